import { Profession, generateFiness, generateIns, generateRpps, seededRandom } from '@dmp/domain';
import { ConsentEventLike, ConsentStateEventTypes as T, applyConsentEvent } from './consent-events';
import { ConsentState, emptyConsentState } from './consent-state';
import { decideAccess } from './decide-access';
import { AccessReasonCode as C } from './reason-codes';

const random = seededRandom(11);
const ins = generateIns(random);
const rpps = generateRpps(random);
const finess = generateFiness(random);

function event(type: string, occurredAt: string, payload: Record<string, unknown> = {}, key: string = ins): ConsentEventLike {
  return { type, occurredAt, key, payload };
}
function replay(events: ConsentEventLike[], from?: ConsentState): ConsentState {
  return events.reduce<ConsentState>((state, envelope) => applyConsentEvent(state, envelope), from ?? emptyConsentState(ins));
}
const opened = event(T.RECORD_OPENED, '2026-01-01T00:00:00.000Z', { emergencyAccessRefused: false, samuAccessRefused: true });

describe(applyConsentEvent.name, () => {
  it('opens the record and takes the emergency choices made at opening', () => {
    const sut = applyConsentEvent(undefined, opened);

    expect(sut.ins).toBe(ins);
    expect(sut.record.status).toBe('open');
    expect(sut.emergencyAccessRefused.refused).toBe(false);
    expect(sut.samuAccessRefused.refused).toBe(true);
  });

  it('never reopens a closed record when the opening arrives late', () => {
    const sut = replay([event(T.RECORD_CLOSED, '2026-06-01T00:00:00.000Z'), opened]);

    expect(sut.record.status).toBe('closed');
  });

  it.each([
    { name: 'authorise', type: T.PROFESSIONAL_AUTHORISED, status: 'authorised' },
    { name: 'revoke', type: T.PROFESSIONAL_AUTHORISATION_REVOKED, status: 'none' },
    { name: 'block', type: T.PROFESSIONAL_BLOCKED, status: 'blocked' },
    { name: 'unblock', type: T.PROFESSIONAL_UNBLOCKED, status: 'none' },
  ])('records the choice to $name a professional', ({ type, status }) => {
    const sut = replay([opened, event(T.PROFESSIONAL_BLOCKED, '2026-01-02T00:00:00.000Z', { rpps }), event(type, '2026-01-03T00:00:00.000Z', { rpps })]);

    expect(sut.professionals[rpps].status).toBe(status);
  });

  it('keeps the latest choice when a revocation arrives before the older authorisation', () => {
    const authorise = event(T.PROFESSIONAL_AUTHORISED, '2026-02-01T00:00:00.000Z', { rpps });
    const revoke = event(T.PROFESSIONAL_AUTHORISATION_REVOKED, '2026-02-02T00:00:00.000Z', { rpps });

    const sut = replay([opened, revoke, authorise]);

    expect(sut.professionals[rpps].status).toBe('none');
    expect(replay([opened, authorise, revoke])).toEqual(sut);
  });

  it('changes nothing when the same event is applied twice', () => {
    const authorise = event(T.ESTABLISHMENT_AUTHORISED, '2026-02-01T00:00:00.000Z', { finess });
    const once = replay([opened, authorise]);

    const sut = applyConsentEvent(once, authorise);

    expect(sut).toEqual(once);
  });

  it('authorises then revokes an establishment', () => {
    const sut = replay([
      opened,
      event(T.ESTABLISHMENT_AUTHORISED, '2026-02-01T00:00:00.000Z', { finess }),
      event(T.ESTABLISHMENT_AUTHORISATION_REVOKED, '2026-02-02T00:00:00.000Z', { finess }),
    ]);

    expect(sut.establishments[finess]).toEqual({ authorised: false, changedAt: '2026-02-02T00:00:00.000Z' });
  });

  it('designates then removes the treating physician', () => {
    const designated = replay([opened, event(T.TREATING_PHYSICIAN_DESIGNATED, '2026-02-01T00:00:00.000Z', { rpps })]);
    const removed = applyConsentEvent(designated, event(T.TREATING_PHYSICIAN_DESIGNATED, '2026-02-02T00:00:00.000Z', { rpps: null }));

    expect(designated.treatingPhysician.rpps).toBe(rpps);
    expect(removed.treatingPhysician.rpps).toBeNull();
  });

  it('changes the refusals of emergency and SAMU access', () => {
    const sut = replay([opened, event(T.EMERGENCY_ACCESS_PREFERENCES_CHANGED, '2026-02-01T00:00:00.000Z', { emergencyAccessRefused: true, samuAccessRefused: false })]);

    expect(sut.emergencyAccessRefused.refused).toBe(true);
    expect(sut.samuAccessRefused.refused).toBe(false);
  });

  it('opens an emergency window from a granted emergency access event', () => {
    const sut = replay([
      opened,
      event(T.ACCESSED, '2026-03-01T10:00:00.000Z', { granted: true, mode: 'emergency', reason: 'coma', requester: { rpps }, expiresAt: '2026-03-01T14:00:00.000Z' }),
    ]);

    expect(sut.emergencyAccesses[rpps]).toEqual({ mode: 'emergency', reason: 'coma', openedAt: '2026-03-01T10:00:00.000Z', expiresAt: '2026-03-01T14:00:00.000Z' });
  });

  it('ignores refused or normal accesses', () => {
    const sut = replay([
      opened,
      event(T.ACCESSED, '2026-03-01T10:00:00.000Z', { granted: false, mode: 'emergency', requester: { rpps }, expiresAt: '2026-03-01T14:00:00.000Z' }),
      event(T.ACCESSED, '2026-03-01T10:00:00.000Z', { granted: true, mode: 'normal', requester: { rpps } }),
    ]);

    expect(sut.emergencyAccesses).toEqual({});
  });

  it('drops expired emergency windows as later events come', () => {
    const sut = replay([
      opened,
      event(T.EMERGENCY_ACCESS_OPENED, '2026-03-01T10:00:00.000Z', { rpps, mode: 'samu-regulation', reason: 'call 15', openedAt: '2026-03-01T10:00:00.000Z', expiresAt: '2026-03-01T11:00:00.000Z' }),
      event(T.EMERGENCY_ACCESS_OPENED, '2026-03-02T10:00:00.000Z', { rpps: generateRpps(random), mode: 'emergency', reason: 'x', expiresAt: '2026-03-02T11:00:00.000Z' }),
    ]);

    expect(Object.keys(sut.emergencyAccesses)).not.toContain(rpps);
    expect(Object.keys(sut.emergencyAccesses)).toHaveLength(1);
  });

  it('ignores events of another patient and of unknown types', () => {
    const state = replay([opened]);

    expect(applyConsentEvent(state, event(T.PROFESSIONAL_AUTHORISED, '2026-02-01T00:00:00.000Z', { rpps }, generateIns(random)))).toBe(state);
    expect(applyConsentEvent(state, event('documents.document-added', '2026-02-01T00:00:00.000Z', { rpps }))).toBe(state);
  });

  it('feeds decideAccess: a revocation takes effect on the next decision', () => {
    const request = { requester: { role: 'professional' as const, rpps, profession: Profession.PHYSICIAN }, mode: 'normal' as const, at: new Date('2026-05-01T00:00:00.000Z'), target: { kind: 'reimbursements' as const } };
    const authorised = replay([opened, event(T.PROFESSIONAL_AUTHORISED, '2026-02-01T00:00:00.000Z', { rpps })]);
    const revoked = applyConsentEvent(authorised, event(T.PROFESSIONAL_AUTHORISATION_REVOKED, '2026-04-01T00:00:00.000Z', { rpps }));

    expect(decideAccess(request, authorised).granted).toBe(true);
    expect(decideAccess(request, revoked).code).toBe(C.NOT_AUTHORISED);
  });
});
