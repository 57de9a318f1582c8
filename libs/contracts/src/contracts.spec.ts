import {
  DeadLetterHeaders,
  EventEnvelope,
  EventTopic,
  InvalidEventError,
  RecordOpenedEvent,
  RecordOpenedPayload,
  SubmittedDocument,
  Topics,
  allTopics,
  createEvent,
  eventDefinitions,
  parseEvent,
  parseEventSync,
  serializeEvent,
  validateAs,
} from './index';
import { DocumentFormat, DocumentType, Profession } from '@dmp/domain';
import { CHILD_INS, INS, RPPS, samplePayloads } from '../test/sample-payloads';

const options = { producer: 'test', correlationId: 'corr-1' };
const eventTopics = Object.keys(eventDefinitions) as EventTopic[];

function envelopeFor(topic: EventTopic, mutate: (payload: Record<string, unknown>) => void = () => undefined): Record<string, unknown> {
  const payload = structuredClone(samplePayloads()[topic]);
  mutate(payload);
  return JSON.parse(serializeEvent(createEvent(eventDefinitions[topic] as typeof RecordOpenedEvent, payload as unknown as RecordOpenedPayload, { ...options, key: INS })).value);
}

describe('Topics', () => {
  it('defines an event for every topic except the dead-letter topic', () => {
    expect([...eventTopics].sort()).toEqual(allTopics.filter((t) => t !== Topics.DEAD_LETTER).sort());
  });

  it.each(allTopics)('names %s dmp.<domain>.<event>.v<major>', (topic) => {
    expect(topic).toMatch(/^dmp\.[a-z]+(-[a-z]+)*(\.[a-z]+(-[a-z]+)*)?\.v[0-9]+$/);
  });

  it('derives each event type from its topic', () => {
    expect(eventDefinitions[Topics.RECORD_OPENED].type).toBe('enrolment.record-opened');
    expect(eventDefinitions[Topics.ACCESSED].type).toBe('access.accessed');
    for (const topic of eventTopics) expect(eventDefinitions[topic].topic).toBe(topic);
  });
});

describe(createEvent.name, () => {
  it('fills the envelope and keys patient events by INS', () => {
    const sut = createEvent(RecordOpenedEvent, samplePayloads()[Topics.RECORD_OPENED] as unknown as RecordOpenedPayload, options);

    expect(sut).toBeInstanceOf(EventEnvelope);
    expect(sut.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sut).toMatchObject({ type: 'enrolment.record-opened', schemaVersion: 1, producer: 'test', correlationId: 'corr-1', key: CHILD_INS });
    expect(Date.parse(sut.occurredAt)).not.toBeNaN();
  });

  it('keeps a given eventId, key and occurredAt', () => {
    const eventId = '0b6d1f8e-6a3c-4d59-8d1e-0f4e2c1d9a77';

    const sut = createEvent(RecordOpenedEvent, samplePayloads()[Topics.RECORD_OPENED] as unknown as RecordOpenedPayload, { ...options, eventId, key: 'k', occurredAt: new Date('2019-12-12T00:00:00Z') });

    expect(sut).toMatchObject({ eventId, key: 'k', occurredAt: '2019-12-12T00:00:00.000Z' });
  });

  it('throws InvalidEventError naming the field when asked to validate a bad payload', () => {
    const payload = { ...samplePayloads()[Topics.RECORD_OPENED], ins: '100017510100152' } as unknown as RecordOpenedPayload;

    expect(() => createEvent(RecordOpenedEvent, payload, { ...options, validate: true })).toThrow(InvalidEventError);
    expect(() => createEvent(RecordOpenedEvent, payload, { ...options, validate: true })).toThrow('payload.ins: INS key 52 does not match the NIR (expected 51)');
  });

  it('serialises to the Kafka message with the conventional headers', () => {
    const envelope = createEvent(RecordOpenedEvent, samplePayloads()[Topics.RECORD_OPENED] as unknown as RecordOpenedPayload, options);

    const sut = serializeEvent(envelope);

    expect(sut.key).toBe(CHILD_INS);
    expect(JSON.parse(sut.value)).toEqual(JSON.parse(JSON.stringify(envelope)));
    expect(sut.headers).toEqual({ 'event-type': 'enrolment.record-opened', 'schema-version': '1', 'correlation-id': 'corr-1' });
  });
});

describe(parseEvent.name, () => {
  it.each(eventTopics)('round-trips a valid %s event', async (topic) => {
    const definition = eventDefinitions[topic] as typeof RecordOpenedEvent;
    const created = createEvent(definition, samplePayloads()[topic] as unknown as RecordOpenedPayload, { ...options, validate: true });

    const sut = await parseEvent(topic, Buffer.from(serializeEvent(created).value));

    if (!sut.ok) throw new Error(sut.reason);
    expect(sut.envelope.payload).toBeInstanceOf(definition.payloadClass);
    expect(JSON.parse(JSON.stringify(sut.envelope))).toEqual(JSON.parse(JSON.stringify(created)));
  });

  it('accepts unknown extra fields so newer producers do not break older consumers', async () => {
    const raw = envelopeFor(Topics.CONTACT_CHANGED, (p) => (p.addedLater = 'x'));
    raw.schemaVersion = 2;

    const sut = await parseEvent(Topics.CONTACT_CHANGED, JSON.stringify(raw));

    expect(sut.ok).toBe(true);
  });

  it('accepts a treating-physician event that removes the physician (rpps null)', async () => {
    const sut = await parseEvent(Topics.TREATING_PHYSICIAN_DESIGNATED, JSON.stringify(envelopeFor(Topics.TREATING_PHYSICIAN_DESIGNATED, (p) => (p.rpps = null))));

    expect(sut.ok).toBe(true);
  });

  it.each<[string, EventTopic, (p: Record<string, unknown>) => void, string]>([
    ['an INS whose key is wrong', Topics.RECORD_OPENED, (p) => (p.ins = '100017510100152'), 'payload.ins: INS key 52 does not match the NIR (expected 51)'],
    ['an INS written with spaces', Topics.RECORD_CLOSED, (p) => (p.ins = '1 00 01 75 101 001 51'), 'payload.ins: INS must be written in its canonical form 100017510100151'],
    ['a missing INS', Topics.CONTACT_CHANGED, (p) => delete p.ins, 'payload.ins: INS must be a string of 15 characters, got undefined'],
    ['an unknown channel', Topics.RECORD_OPENED, (p) => (p.channel = 'fax'), 'payload.channel: channel must be one of the following values'],
    ['a CPAM code of 2 digits', Topics.RECORD_OPENED, (p) => (p.cpamCode = '75'), 'payload.cpamCode: CPAM code must have 3 digits, got 2'],
    ['contacts with neither email nor mobile', Topics.RECORD_OPENED, (p) => (p.contacts = {}), 'payload.contacts.email: email must be an e-mail address'],
    ['a mobile that is not E.164', Topics.CONTACT_CHANGED, (p) => (p.contacts = { mobile: '0612345678' }), 'payload.contacts.mobile: mobile must be an E.164 number'],
    ['a minor without representatives', Topics.RECORD_OPENED, (p) => (p.legalRepresentatives = []), 'payload.legalRepresentatives: legalRepresentatives must list at least one representative for a minor'],
    ['a representative that is not an object', Topics.RECORD_OPENED, (p) => (p.legalRepresentatives = ['x']), 'payload.legalRepresentatives: each of legalRepresentatives must be an object'],
    ['a representative with a bad INS', Topics.RECORD_OPENED, (p) => (p.legalRepresentatives = [{ ins: '123', relationship: 'parent' }]), 'payload.legalRepresentatives.0.ins: INS must have 15 characters'],
    ['a date that is not an instant', Topics.RECORD_OPENED, (p) => (p.openedAt = '2019-12-12'), 'payload.openedAt: must be an ISO-8601 instant'],
    ['a missing nested object', Topics.RECORD_OPENED, (p) => delete p.consent, 'payload.consent: consent must be an object'],
    ['an opening actor with an unknown role', Topics.RECORD_OPENED, (p) => (p.openingActor = { role: 'doctor', id: 'x' }), 'payload.openingActor.role: role must be one of the following values'],
    ['a closure date that does not exist', Topics.RECORD_CLOSED, (p) => (p.effectiveDate = '2019-02-30'), 'payload.effectiveDate: date 2019-02-30 does not exist in the calendar'],
    ['a former representative with a bad INS', Topics.RECORD_TRANSFERRED_AT_MAJORITY, (p) => (p.formerRepresentatives = ['100017510100152']), 'payload.formerRepresentatives: INS key 52 does not match'],
    ['an upper-case hash', Topics.DOCUMENT_ADDED, (p) => (p.sha256 = 'A'.repeat(64)), 'payload.sha256: sha256 must match'],
    ['a negative size', Topics.DOCUMENT_ADDED, (p) => (p.sizeBytes = -1), 'payload.sizeBytes: sizeBytes must not be less than 0'],
    ['an author with a bad RPPS', Topics.DOCUMENT_ADDED, (p) => (p.author = { rpps: '10123456782', profession: 'physician' }), 'payload.author.rpps: RPPS check digit 2 does not match (expected 1)'],
    ['an unknown document type', Topics.DOCUMENT_ARCHIVED, (p) => (p.type = '00000-0'), 'payload.type: type must be one of the following values'],
    ['a submission without documents', Topics.DOCUMENT_SUBMISSIONS, (p) => (p.documents = []), 'payload.documents: documents must contain at least 1 elements'],
    ['a submission whose documents are not objects', Topics.DOCUMENT_SUBMISSIONS, (p) => (p.documents = ['x']), 'payload.documents: each of documents must be an object'],
    ['an establishment with a bad FINESS', Topics.DOCUMENT_SUBMISSIONS, (p) => (p.establishment = { finess: '750712185', kind: 'health', category: 'chu' }), 'payload.establishment.finess: FINESS check digit 5 does not match (expected 4)'],
    ['a result with an unknown outcome', Topics.DOCUMENT_SUBMISSION_RESULTS, (p) => (p.results = [{ index: 0, outcome: 'maybe', reasons: [] }]), 'payload.results.0.outcome'],
    ['a rejection without reasons', Topics.DOCUMENT_REJECTED, (p) => (p.reasons = []), 'payload.reasons: reasons must contain at least 1 elements'],
    ['an access id that is not a uuid', Topics.ACCESSED, (p) => (p.accessId = 'abc'), 'payload.accessId: accessId must be a UUID'],
    ['an access target of an unknown kind', Topics.ACCESSED, (p) => (p.target = { kind: 'photos', id: 'x' }), 'payload.target.kind'],
    ['a professional grantee without RPPS', Topics.PROFESSIONAL_AUTHORISED, (p) => (p.grantee = { kind: 'professional' }), 'payload.grantee.rpps: RPPS must be a string of 11 digits, got undefined'],
    ['a bad treating physician RPPS', Topics.TREATING_PHYSICIAN_DESIGNATED, (p) => (p.rpps = '1'), 'payload.rpps: RPPS must have 11 digits, got 1'],
    ['an emergency access in normal mode', Topics.EMERGENCY_ACCESS_STARTED, (p) => (p.mode = 'normal'), 'payload.mode: mode must be one of the following values: emergency, samu-regulation'],
    ['duplicate notification channels', Topics.NOTIFICATION_PREFERENCES_CHANGED, (p) => (p.channels = ['email', 'email']), "payload.channels: All channels's elements must be unique"],
    ['a negative line count', Topics.FILE_ANNOUNCEMENTS, (p) => (p.lineCount = -1), 'payload.lineCount: lineCount must not be less than 0'],
    ['a file id with a slash', Topics.FILE_ANNOUNCEMENTS, (p) => (p.fileId = '../etc/passwd'), 'payload.fileId: fileId must be 1-128 letters'],
    ['import counts that are not integers', Topics.FILE_IMPORTED, (p) => (p.counts = { read: 1.5, imported: 0, duplicates: 0, rejected: 0, unknownPatient: 0, outOfWindow: 0 }), 'payload.counts.read: read must be an integer number'],
    ['a heartbeat whose ready flag is a string', Topics.HEARTBEAT, (p) => (p.ready = 'yes'), 'payload.ready: ready must be a boolean value'],
    ['a backfill window with a bad date', Topics.BACKFILL_REQUESTS, (p) => (p.from = '2017-13-01'), 'payload.from: date 2017-13-01 does not exist in the calendar'],
  ])('refuses %s, naming the field', async (_case, topic, mutate, expected) => {
    const sut = await parseEvent(topic, JSON.stringify(envelopeFor(topic, mutate)));

    expect(sut.ok).toBe(false);
    expect(sut.ok ? '' : sut.reason).toContain(expected);
  });

  it('reports every failing field at once', async () => {
    const sut = await parseEvent(Topics.RECORD_OPENED, JSON.stringify(envelopeFor(Topics.RECORD_OPENED, (p) => Object.assign(p, { ins: 'x', cpamCode: 'y' }))));

    expect(sut.ok ? [] : sut.errors?.map((e) => e.field)).toEqual(['payload.ins', 'payload.cpamCode']);
  });

  it.each<[string, (e: Record<string, unknown>) => void, string]>([
    ['an eventId that is not a uuid v4', (e) => (e.eventId = '123'), 'eventId: eventId must be a UUID'],
    ['a schemaVersion of 0', (e) => (e.schemaVersion = 0), 'schemaVersion: schemaVersion must not be less than 1'],
    ['an occurredAt without time zone', (e) => (e.occurredAt = '2019-12-12T09:30:00'), 'occurredAt: must be an ISO-8601 instant'],
    ['no producer', (e) => delete e.producer, 'producer: producer must be a string'],
    ['no key', (e) => (e.key = ''), 'key: key must be longer than or equal to 1 characters'],
    ['a payload that is an array', (e) => (e.payload = []), 'payload: payload must be an object'],
    ['the type of another topic', (e) => (e.type = 'enrolment.record-closed'), 'type: type "enrolment.record-closed" does not belong on topic dmp.enrolment.record-opened.v1 (expected "enrolment.record-opened")'],
  ])('refuses an envelope with %s', async (_case, mutate, expected) => {
    const raw = envelopeFor(Topics.RECORD_OPENED);
    mutate(raw);

    const sut = await parseEvent(Topics.RECORD_OPENED, JSON.stringify(raw));

    expect(sut.ok ? '' : sut.reason).toContain(expected);
  });

  it.each<[string, string, Buffer | string | null, string]>([
    ['an unknown topic', 'dmp.nothing.v1', '{}', 'unknown topic "dmp.nothing.v1": no event definition for it'],
    ['the dead-letter topic', Topics.DEAD_LETTER, '{}', 'topic dmp.dead-letter.v1 carries dead-lettered raw messages, not event envelopes'],
    ['a message without value', Topics.RECORD_OPENED, null, 'message has no value'],
    ['invalid JSON', Topics.RECORD_OPENED, Buffer.from('{"eventId": '), 'value is not valid JSON'],
    ['a JSON array', Topics.RECORD_OPENED, '[1,2]', 'value must be a JSON object (an event envelope): (root): must be a JSON object, got an array'],
    ['a JSON number', Topics.RECORD_OPENED, '42', 'value must be a JSON object (an event envelope): (root): must be a JSON object, got number'],
  ])('refuses %s', async (_case, topic, raw, expected) => {
    const sut = await parseEvent(topic, raw);

    expect(sut.ok).toBe(false);
    expect(sut.ok ? '' : sut.reason).toContain(expected);
  });

  it('has a synchronous twin giving the same answer', () => {
    const raw = JSON.stringify(envelopeFor(Topics.HEARTBEAT));

    expect(parseEventSync(Topics.HEARTBEAT, raw).ok).toBe(true);
    expect(parseEventSync(Topics.HEARTBEAT, 'nope').ok).toBe(false);
  });
});

describe('HeartbeatPayload', () => {
  const extras = {
    httpRequests: 120,
    http4xx: 3,
    http5xx: 1,
    eventsHandled: 4000,
    eventsFailed: 2,
    outboxBacklog: 17,
    imports: [{ fileId: 'f-1', linesDone: 500, totalLines: 2000, linesPerSecond: 250.5, etaSeconds: 6 }],
  };

  it('reads a heartbeat without the optional operational fields (older producers)', () => {
    const sut = parseEventSync(Topics.HEARTBEAT, JSON.stringify(envelopeFor(Topics.HEARTBEAT)));

    expect(sut.ok).toBe(true);
  });

  it('reads a heartbeat carrying counters, outbox backlog and running imports', () => {
    const sut = parseEventSync(Topics.HEARTBEAT, JSON.stringify(envelopeFor(Topics.HEARTBEAT, (p) => Object.assign(p, extras))));

    expect(sut.ok && sut.envelope.payload).toMatchObject(extras);
  });

  it.each([
    ['a negative 5xx count', (p: Record<string, unknown>) => (p.http5xx = -1), 'http5xx'],
    ['a fractional events count', (p: Record<string, unknown>) => (p.eventsHandled = 1.5), 'eventsHandled'],
    ['an import without a file id', (p: Record<string, unknown>) => (p.imports = [{ linesDone: 1, totalLines: 2, linesPerSecond: 1 }]), 'fileId'],
  ])('rejects %s', (_name, mutate, field) => {
    const sut = parseEventSync(Topics.HEARTBEAT, JSON.stringify(envelopeFor(Topics.HEARTBEAT, mutate)));

    expect(sut.ok).toBe(false);
    expect(sut.ok ? '' : sut.reason).toContain(field);
  });
});

describe(validateAs.name, () => {
  const document = {
    documentId: 'doc-1',
    ins: INS,
    type: DocumentType.LABORATORY_REPORT,
    format: DocumentFormat.TEXT,
    title: 'NFS',
    author: { rpps: RPPS, profession: Profession.PHYSICIAN },
    authoredAt: '2019-12-12T09:30:00Z',
    sha256: 'c'.repeat(64),
    sizeBytes: 5,
    bodyBase64: 'aGVsbG8=',
  };

  it('validates one submitted document on its own', () => {
    expect(validateAs(SubmittedDocument, document).ok).toBe(true);
  });

  it('names each failing field of one submitted document with its prefix', () => {
    const sut = validateAs(SubmittedDocument, { ...document, ins: '', bodyBase64: 'not base64!', format: 'docx' }, 'documents.3');

    expect(sut.ok ? [] : sut.errors.map((e) => e.field).sort()).toEqual(['documents.3.bodyBase64', 'documents.3.format', 'documents.3.ins']);
  });
});

describe('DeadLetterHeaders', () => {
  it('uses the header names the messaging library writes', () => {
    expect(Object.values(DeadLetterHeaders)).toEqual(['dlq-reason', 'dlq-original-topic', 'dlq-original-partition', 'dlq-original-offset']);
  });
});
