import { randomUUID } from 'node:crypto';
import { Consumer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { AccessRequest, ConsentState, applyConsentEvent, consentStateTopics, decideAccess, AccessReasonCode } from '@dmp/access-rules';
import { AccessedEvent, DocumentAddedEvent, EventEnvelope, RecordClosedEvent, RecordOpenedEvent, parseEvent } from '@dmp/contracts';
import { AccessMode, DocumentType, Ins, Profession } from '@dmp/domain';
import { TestApp, aLegalRepresentative, aPatient, aProfessional, anIns, anOperator, startTestApp, testConfig, tokenFor, waitFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { ConsentConfig } from '../src/config';
import { ConsentView } from '../src/patients/consent-view';
import { TracePageView } from '../src/trace/trace.dto';
import { NotificationView, MailboxMessageView } from '../src/notifications/notifications.dto';
import { EventProducer, accessed, documentAdded, http, kafka, recordClosed, recordOpened } from './consent-test-kit';

describe('consent service', () => {
  let sut: TestApp;
  let producer: EventProducer;
  let db: DataSource;
  const operator = tokenFor(anOperator());

  beforeAll(async () => {
    const config = await testConfig(ConsentConfig, { CONSENT_NOTIFICATION_POLL_MS: '50', CONSENT_NOTIFICATION_BACKOFF_MS: '50' });
    sut = await startTestApp(AppModule.forRoot(config), config);
    db = sut.app.get(DataSource);
    producer = await EventProducer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await sut?.stop();
  });

  async function openRecord(ins: Ins, options: Parameters<typeof recordOpened>[1] = {}): Promise<void> {
    await producer.publish(RecordOpenedEvent, [recordOpened(ins, options)]);
    await waitFor(async () => (await http<ConsentView>('GET', `${sut.url}/patients/${ins}/consent`, operator)).body.recordStatus === 'open', {
      timeoutMs: 20_000,
      message: `record ${ins} open in consent`,
    });
  }

  async function notifications(ins: Ins): Promise<NotificationView[]> {
    return (await http<NotificationView[]>('GET', `${sut.url}/patients/${ins}/notifications?limit=500`, operator)).body;
  }

  async function traceSize(ins: Ins): Promise<number> {
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM access_trace WHERE ins = $1`, [ins])) as Array<{ n: number }>;
    return n;
  }

  async function allSent(ins: Ins): Promise<NotificationView[]> {
    return waitFor(async () => {
      const list = await notifications(ins);
      return list.length > 0 && list.every((n) => n.status === 'sent') ? list : undefined;
    }, { timeoutMs: 15_000, message: `notifications of ${ins} sent` });
  }

  it('welcomes the patient when the record opens, in the local mailbox', async () => {
    const ins = anIns();
    await openRecord(ins, { email: 'welcome@patients.example' });

    const [welcome] = await allSent(ins);
    const mailbox = await http<MailboxMessageView[]>('GET', `${sut.url}/patients/${ins}/mailbox`, tokenFor(aPatient().withIns(ins)));

    expect(welcome).toMatchObject({ trigger: 'record-opened', channel: 'in-app', recipient: ins, status: 'sent', attempts: 1 });
    expect(mailbox.body.map((m) => m.notificationId)).toEqual([welcome.id]);
  });

  it('takes a campaign of openings in batches: each record open with its choices, contacts and representatives, one welcome each', async () => {
    const adults = Array.from({ length: 240 }, () => anIns());
    const parent = adults[0];
    const minor = anIns();
    const refusing = adults[1];
    const openedAt = new Date(Date.now() - 60_000);
    await producer.publish(RecordOpenedEvent, [
      ...adults.map((ins) =>
        recordOpened(ins, { openedAt, email: `${ins}@campaign.example`, emergencyAccess: ins !== refusing }),
      ),
      recordOpened(minor, { openedAt, representatives: [parent] }),
    ]);
    await waitFor(async () => {
      const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM consent_patients WHERE ins = ANY($1) AND record_status = 'open'`, [[...adults, minor]])) as Array<{ n: number }>;
      return n === adults.length + 1;
    }, { timeoutMs: 30_000, message: 'every record of the campaign open in consent' });

    const rows = (await db.query(
      `SELECT ins, email, legal_representatives FROM consent_patients WHERE ins = ANY($1)`,
      [[...adults, minor]],
    )) as Array<{ ins: string; email: string; legal_representatives: string[] }>;
    const welcomes = (await db.query(
      `SELECT ins, count(*)::int AS n FROM notifications WHERE trigger = 'record-opened' AND ins = ANY($1) GROUP BY ins`,
      [[...adults, minor]],
    )) as Array<{ ins: string; n: number }>;
    const refused = await http<ConsentView>('GET', `${sut.url}/patients/${refusing}/consent`, operator);
    const child = await http<ConsentView>('GET', `${sut.url}/patients/${minor}/consent`, operator);

    expect(rows.filter((r) => r.ins !== minor).every((r) => r.email === `${r.ins}@campaign.example`)).toBe(true);
    expect(welcomes).toHaveLength(adults.length + 1);
    expect(welcomes.every((w) => w.n >= 1)).toBe(true);
    expect(new Set(welcomes.map((w) => w.n))).toEqual(new Set([welcomes[0].n]));
    expect(refused.body.emergencyAccessRefused).toBe(true);
    expect(child.body.legalRepresentatives).toEqual([parent]);
  });

  it("notifies the patient once on a professional's first access, not on the second", async () => {
    const ins = anIns();
    const professional = aProfessional().build();
    await openRecord(ins);

    await producer.publish(AccessedEvent, [accessed(ins, { rpps: professional.rpps })]);
    await waitFor(async () => (await traceSize(ins)) === 1);
    await producer.publish(AccessedEvent, [accessed(ins, { rpps: professional.rpps })]);
    await waitFor(async () => (await traceSize(ins)) === 2);

    const sent = await allSent(ins);
    const firstAccess = sent.filter((n) => n.trigger === 'first-access');
    expect(firstAccess).toHaveLength(1);
    expect(firstAccess[0].dedupKey).toBe(`first-access:${ins}:${professional.rpps}`);
    const status = await http<NotificationView>('GET', `${sut.url}/notifications/${firstAccess[0].id}`, tokenFor(aPatient().withIns(ins)));
    expect(status.body).toMatchObject({ status: 'sent', channel: 'in-app' });
  });

  it('does not count a refused access as a first access', async () => {
    const ins = anIns();
    const rpps = aProfessional().build().rpps;
    await openRecord(ins);

    await producer.publish(AccessedEvent, [accessed(ins, { rpps, granted: false })]);
    await waitFor(async () => (await traceSize(ins)) === 1);

    expect((await allSent(ins)).map((n) => n.trigger)).toEqual(['record-opened']);
  });

  it('notifies every emergency access, opens a window that documents can use, and lets it expire', async () => {
    const ins = anIns();
    const rpps = aProfessional().build().rpps;
    await openRecord(ins);
    const expiresAt = new Date(Date.now() + 3_000);

    await producer.publish(AccessedEvent, [
      accessed(ins, { rpps, mode: AccessMode.EMERGENCY, reason: 'unconscious after a fall', expiresAt }),
      accessed(ins, { rpps, mode: AccessMode.EMERGENCY, reason: 'still unconscious', expiresAt }),
    ]);
    await waitFor(async () => (await traceSize(ins)) === 2);

    const sent = await allSent(ins);
    expect(sent.filter((n) => n.trigger === 'emergency-access')).toHaveLength(2);
    const open = (await http<ConsentView>('GET', `${sut.url}/patients/${ins}/consent`, tokenFor(aPatient().withIns(ins)))).body;
    expect(open.activeEmergencyAccesses).toEqual([expect.objectContaining({ rpps, mode: 'emergency', expiresAt: expiresAt.toISOString() })]);
    const readInNormalMode = (state: ConsentState, at: Date) =>
      decideAccess({ requester: { role: 'professional', rpps, profession: Profession.PHYSICIAN }, mode: 'normal', at, target: { kind: 'reimbursements' } }, state);
    expect(readInNormalMode(open.state, new Date()).code).toBe(AccessReasonCode.EMERGENCY_ACCESS_ACTIVE);

    const expired = await waitFor(
      async () => {
        const view = (await http<ConsentView>('GET', `${sut.url}/patients/${ins}/consent`, operator)).body;
        return view.activeEmergencyAccesses.length === 0 ? view : undefined;
      },
      { timeoutMs: 10_000, message: 'the emergency window to expire' },
    );
    expect(readInNormalMode(expired.state, new Date()).code).toBe(AccessReasonCode.NOT_AUTHORISED);
  });

  it('lets a revocation take effect in a reader that keeps the state from the consent events', async () => {
    const ins = anIns();
    const patient = tokenFor(aPatient().withIns(ins));
    const professional = aProfessional().build();
    const reader = await ConsentStateReader.start(ins);
    try {
      await openRecord(ins);
      const request: AccessRequest = { requester: professional, mode: 'normal', at: new Date(), target: { kind: 'document', type: DocumentType.IMAGING_REPORT, flags: { maskedFromProfessionals: false, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false } } };

      const authorised = await http<ConsentView>('POST', `${sut.url}/patients/${ins}/consent/authorisations`, patient, { kind: 'professional', rpps: professional.rpps });
      expect(authorised.status).toBe(200);
      expect(authorised.body.authorisedProfessionals).toEqual([professional.rpps]);
      await waitFor(() => decideAccess({ ...request, at: new Date() }, reader.state).granted, { timeoutMs: 20_000, message: 'the reader to see the authorisation' });

      const revoked = await http<ConsentView>('DELETE', `${sut.url}/patients/${ins}/consent/authorisations/professionals/${professional.rpps}`, patient);
      expect(revoked.body.authorisedProfessionals).toEqual([]);
      const decision = await waitFor(() => {
        const d = decideAccess({ ...request, at: new Date() }, reader.state);
        return d.granted ? undefined : d;
      }, { timeoutMs: 20_000, message: 'the reader to see the revocation' });
      expect(decision.code).toBe(AccessReasonCode.NOT_AUTHORISED);
    } finally {
      await reader.stop();
    }
  });

  it('records every patient choice and shows it', async () => {
    const ins = anIns();
    const patient = tokenFor(aPatient().withIns(ins));
    const [treating, blocked] = [aProfessional().build().rpps, aProfessional().build().rpps];
    await openRecord(ins);

    expect((await http('PUT', `${sut.url}/patients/${ins}/consent/treating-physician`, patient, { rpps: treating })).status).toBe(200);
    expect((await http('POST', `${sut.url}/patients/${ins}/consent/authorisations`, patient, { kind: 'professional', rpps: blocked })).status).toBe(200);
    expect((await http('POST', `${sut.url}/patients/${ins}/consent/blocks`, patient, { rpps: blocked })).status).toBe(200);
    expect((await http('PUT', `${sut.url}/patients/${ins}/consent/emergency-preferences`, patient, { emergencyAccess: false, samuRegulationAccess: true })).status).toBe(200);
    const last = await http<ConsentView>('PUT', `${sut.url}/patients/${ins}/consent/notification-preferences`, patient, { channels: ['email', 'sms'], notifyOnNewDocument: true, contacts: { email: 'me@patients.example', mobile: '+33612345678' } });

    expect(last.status).toBe(200);
    expect(last.body).toMatchObject({
      treatingPhysician: treating,
      authorisedProfessionals: [],
      blockedProfessionals: [blocked],
      emergencyAccessRefused: true,
      samuAccessRefused: false,
      notificationPreferences: { channels: ['email', 'sms'], notifyOnNewDocument: true, email: 'me@patients.example', mobile: '+33612345678' },
    });
    const breakGlass = decideAccess({ requester: { role: 'professional', rpps: aProfessional().build().rpps, profession: 'physician' }, mode: 'emergency', reason: 'coma', at: new Date(), target: { kind: 'reimbursements' } }, last.body.state);
    expect(breakGlass.code).toBe(AccessReasonCode.EMERGENCY_ACCESS_REFUSED_BY_PATIENT);
  });

  it("lets a legal representative make the minor's choices, and refuses one enrolment does not list", async () => {
    const minor = anIns();
    const parent = aLegalRepresentative().representing(minor).build();
    await openRecord(minor, { representatives: [parent.ins] });
    const representative = tokenFor(parent);
    const unknownRepresentative = await http('POST', `${sut.url}/patients/${minor}/consent/blocks`, tokenFor(aLegalRepresentative().representing(minor)), { rpps: aProfessional().build().rpps });
    expect(unknownRepresentative.status).toBe(403);
    const rpps = aProfessional().build().rpps;

    const response = await http<ConsentView>('POST', `${sut.url}/patients/${minor}/consent/authorisations`, representative, { kind: 'professional', rpps });
    const trace = await http<TracePageView>('GET', `${sut.url}/patients/${minor}/access-trace`, representative);

    expect(response.status).toBe(200);
    expect(response.body.authorisedProfessionals).toEqual([rpps]);
    expect(trace.status).toBe(200);
  });

  it('tells a patient who asked for it about each new document, by e-mail, and not about their own or unexplained ones', async () => {
    const ins = anIns();
    const patient = tokenFor(aPatient().withIns(ins));
    const rpps = aProfessional().build().rpps;
    await openRecord(ins, { email: 'docs@patients.example' });
    await allSent(ins);
    expect((await http('PUT', `${sut.url}/patients/${ins}/consent/notification-preferences`, patient, { channels: ['email'], notifyOnNewDocument: true })).status).toBe(200);

    await producer.publish(DocumentAddedEvent, [
      documentAdded(ins, { rpps, addedByPatient: true, title: 'My own scan' }),
      documentAdded(ins, { rpps, invisibleToPatientUntilExplained: true, title: 'Not explained yet' }),
      documentAdded(ins, { rpps, title: 'Chest X-ray report' }),
    ]);

    const sent = await waitFor(async () => {
      const list = (await allSent(ins)).filter((n) => n.trigger === 'new-document');
      return list.length > 0 ? list : undefined;
    }, { timeoutMs: 15_000 });
    const mailbox = (await http<MailboxMessageView[]>('GET', `${sut.url}/mailbox?recipient=docs@patients.example`, operator)).body;
    expect(sent).toEqual([expect.objectContaining({ channel: 'email', recipient: 'docs@patients.example', status: 'sent' })]);
    expect(mailbox.filter((m) => m.subject === 'A new document in your DMP').map((m) => m.body)).toEqual([expect.stringContaining('Chest X-ray report')]);
  });

  it('refuses choices from anyone but the patient or their representative, and names bad fields', async () => {
    const ins = anIns();
    await openRecord(ins);

    const stranger = await http('POST', `${sut.url}/patients/${ins}/consent/authorisations`, tokenFor(aPatient()), { kind: 'professional', rpps: aProfessional().build().rpps });
    const professional = await http('POST', `${sut.url}/patients/${ins}/consent/authorisations`, tokenFor(aProfessional()), { kind: 'professional', rpps: aProfessional().build().rpps });
    const badRpps = await http<{ errors: Array<{ field: string }> }>('POST', `${sut.url}/patients/${ins}/consent/authorisations`, tokenFor(aPatient().withIns(ins)), { kind: 'professional', rpps: '12345' });
    const badIns = await http<{ errors: Array<{ field: string }> }>('GET', `${sut.url}/patients/123/consent`, operator);
    const unknownIns = anIns();
    const noRecord = await http<{ code: string }>('POST', `${sut.url}/patients/${unknownIns}/consent/blocks`, tokenFor(aPatient().withIns(unknownIns)), { rpps: aProfessional().build().rpps });
    const operatorChoice = await http('POST', `${sut.url}/patients/${ins}/consent/blocks`, operator, { rpps: aProfessional().build().rpps });

    expect(stranger.status).toBe(403);
    expect(professional.status).toBe(403);
    expect(badRpps.status).toBe(400);
    expect(badRpps.body.errors.map((e) => e.field)).toContain('rpps');
    expect(badIns.status).toBe(400);
    expect(badIns.body.errors.map((e) => e.field)).toContain('ins');
    expect(noRecord.status).toBe(409);
    expect(noRecord.body.code).toBe('RECORD_NOT_OPEN');
    expect(operatorChoice.status).toBe(403);
  });

  it('lists the whole trace to the patient, newest first, page by page', async () => {
    const ins = anIns();
    await openRecord(ins);
    const professional = aProfessional().build();
    const base = Date.now() - 60_000;
    const events = Array.from({ length: 7 }, (_, i) =>
      accessed(ins, { rpps: professional.rpps, at: new Date(base + i * 1000), granted: i % 3 !== 2, mode: i === 4 ? AccessMode.EMERGENCY : AccessMode.NORMAL, reason: i === 4 ? 'chest pain' : undefined, producer: i % 2 ? 'reimbursements' : 'documents' }),
    );
    await producer.publish(AccessedEvent, events);
    await waitFor(async () => (await traceSize(ins)) === 7);

    const token = tokenFor(aPatient().withIns(ins));
    const pages: TracePageView[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: TracePageView } = await http<TracePageView>('GET', `${sut.url}/patients/${ins}/access-trace?limit=3${cursor ? `&cursor=${cursor}` : ''}`, token);
      pages.push(page.body);
      cursor = page.body.nextCursor;
    } while (cursor);

    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    const items = pages.flatMap((p) => p.items);
    const payloads = events.map((e) => (e as EventEnvelope<{ accessId: string }>).payload.accessId).reverse();
    expect(items.map((i) => i.accessId)).toEqual(payloads);
    expect(items[2]).toMatchObject({ mode: 'emergency', granted: true, emergencyReason: 'chest pain', accessor: { role: 'professional', id: professional.rpps, profession: 'physician' }, target: { kind: 'document', documentType: DocumentType.LABORATORY_REPORT }, rulesVersion: '1.0.0/default-2026-11', producer: 'documents' });
    expect(items.filter((i) => !i.granted)).toHaveLength(2);
    expect((await http('GET', `${sut.url}/patients/${ins}/access-trace`, tokenFor(aPatient()))).status).toBe(403);
    expect((await http('GET', `${sut.url}/patients/${ins}/access-trace?limit=0`, token)).status).toBe(400);
  });

  it('purges the trace ten years after the record closed, and keeps the others', async () => {
    const [old, recent] = [anIns(), anIns()];
    const rpps = aProfessional().build().rpps;
    const elevenYearsAgo = new Date(Date.now() - 11 * 365.25 * 86_400_000);
    await producer.publish(RecordOpenedEvent, [recordOpened(old, { openedAt: new Date(elevenYearsAgo.getTime() - 86_400_000) })]);
    await producer.publish(AccessedEvent, [accessed(old, { rpps, at: new Date(elevenYearsAgo.getTime() - 3_600_000) }), accessed(recent, { rpps })]);
    await producer.publish(RecordClosedEvent, [recordClosed(old, elevenYearsAgo), recordClosed(recent, new Date())]);
    await waitFor(async () => {
      const rows = (await db.query(`SELECT count(*)::int AS n FROM consent_patients WHERE ins = ANY($1) AND record_status = 'closed'`, [[old, recent]])) as Array<{ n: number }>;
      return rows[0].n === 2 && (await traceSize(old)) === 1 && (await traceSize(recent)) === 1;
    }, { timeoutMs: 20_000 });

    const purge = await http<{ deleted: number }>('POST', `${sut.url}/operations/access-trace/purge`, operator);

    expect(purge.status).toBe(200);
    expect(purge.body.deleted).toBe(1);
    expect(await traceSize(old)).toBe(0);
    expect(await traceSize(recent)).toBe(1);
  });
});

/** What documents or reimbursements do: fold the consent and enrolment events of a patient into a ConsentState. */
class ConsentStateReader {
  state: ConsentState | undefined;

  private constructor(private readonly consumer: Consumer) {}

  static async start(ins: Ins): Promise<ConsentStateReader> {
    const consumer = kafka().consumer({ groupId: `reader-${randomUUID()}` });
    const reader = new ConsentStateReader(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [...consentStateTopics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (message.key?.toString() !== ins) return;
        const parsed = await parseEvent(topic, message.value);
        if (parsed.ok) reader.state = applyConsentEvent(reader.state, parsed.envelope);
      },
    });
    return reader;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
