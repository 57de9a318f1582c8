import { RecordClosedEvent, Topics, createEvent, serializeEvent } from '@dmp/contracts';
import { ActorRole, ClosureReason, Ins, IsoDate } from '@dmp/domain';
import { eventHeaders, topicOf } from './event-message';

const envelope = createEvent(
  RecordClosedEvent,
  {
    ins: '184127510812347' as Ins,
    reason: ClosureReason.PATIENT_REQUEST,
    effectiveDate: '2026-11-23' as IsoDate,
    closedAt: '2026-11-23T10:00:00.000Z',
    by: { role: ActorRole.PATIENT, id: '184127510812347' },
  },
  { producer: 'enrolment', correlationId: 'corr-1' },
);

describe(eventHeaders.name, () => {
  it("gives serializeEvent's headers plus the eventId", () => {
    expect(eventHeaders(envelope)).toEqual({ ...serializeEvent(envelope).headers, 'event-id': envelope.eventId });
  });
});

describe(topicOf.name, () => {
  it('gives the topic registered for the event type', () => {
    expect(topicOf(envelope)).toBe(Topics.RECORD_CLOSED);
  });

  it('names an unregistered type', () => {
    expect(() => topicOf({ ...envelope, type: 'nobody.unknown' })).toThrow(/nobody\.unknown/);
  });
});
