import { randomUUID } from 'node:crypto';
import { Admin, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { EventEnvelope, serializeEvent } from '@dmp/contracts';
import { ActorRole, EstablishmentCategory, Finess, generateFiness, generateRpps, NotificationChannel, NotificationTrigger, Profession, ReimbursementFileKind, Rpps, seededRandom } from '@dmp/domain';
import { anIns, anOperator, startTestApp, TestApp, testConfig, tokenFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { AnalyticsConfig } from '../src/config';
import { consumed } from './support/consumed';
import { accessed, documentAdded, documentReplaced, fileImported, notificationSent, recordOpened } from './support/analytics-events';
import { startTestKafka, TestKafka } from './support/test-kafka';

type Envelope = EventEnvelope<unknown>;

// Every topic of these events is at major version 1: dmp.<type>.v1.
const topicOf = (e: Envelope): string => `dmp.${e.type}.v1`;

// A broker of its own: the figures count every event on the topics.
describe('analytics activity figures', () => {
  let broker: TestKafka;
  let producer: Producer;
  let admin: Admin;
  let sut: TestApp;
  let db: DataSource;
  const operator = tokenFor(anOperator());
  const random = seededRandom(8);
  const chu = { finess: generateFiness(random) as Finess, category: EstablishmentCategory.CHU };
  const clinic = { finess: generateFiness(random) as Finess, category: EstablishmentCategory.CLINIC };
  const ehpad = { finess: generateFiness(random) as Finess, category: EstablishmentCategory.EHPAD };
  const physician = { rpps: generateRpps(random) as Rpps, profession: Profession.PHYSICIAN };
  const nurse = { rpps: generateRpps(random) as Rpps, profession: Profession.NURSE };
  const pharmacist = { rpps: generateRpps(random) as Rpps, profession: Profession.PHARMACIST };

  async function publish(envelopes: Envelope[]): Promise<void> {
    const byTopic = new Map<string, Envelope[]>();
    for (const e of envelopes) byTopic.set(topicOf(e), [...(byTopic.get(topicOf(e)) ?? []), e]);
    await producer.sendBatch({ topicMessages: [...byTopic.entries()].map(([topic, list]) => ({ topic, messages: list.map((e) => serializeEvent(e)) })) });
  }
  /** Waits until the service's group has consumed everything published to these events' topics. */
  async function handled(envelopes: Envelope[]): Promise<void> {
    await consumed(admin, [...new Set(envelopes.map(topicOf))]);
  }
  async function get<T>(path: string): Promise<T> {
    const response = await fetch(`${sut.url}${path}`, { headers: { authorization: `Bearer ${operator}` } });
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (response.headers.get('content-type') ?? '').includes('csv') ? ((await response.text()) as T) : ((await response.json()) as T);
  }
  const everything = [
    '/figures/documents?period=day',
    '/figures/documents?period=week&cpam=251',
    '/figures/feeding-establishments?period=week',
    '/figures/feeding-establishments?period=all',
    '/figures/feeding-professionals?period=month',
    '/figures/consulting-professionals?period=all',
    '/figures/patients-adding-documents?period=all',
    '/figures/notifications?period=week',
    '/figures/reimbursement-lines?period=month',
  ];
  const snapshot = async (): Promise<unknown[]> => Promise.all(everything.map((path) => get(path)));

  beforeAll(async () => {
    broker = await startTestKafka('analytics-test');
    ({ producer, admin } = broker);
    const config = await testConfig(AnalyticsConfig, { KAFKA_BROKERS: broker.bootstrap });
    sut = await startTestApp(AppModule.forRoot(config), config);
    db = sut.app.get(DataSource);
  });

  afterAll(async () => {
    await sut?.stop();
    await broker?.stop();
  });

  it('gives known figures for a known stream, and replays and redeliveries change nothing', async () => {
    const [p1, p2, p3] = [anIns(), anIns(), anIns()];
    const docId = `doc-${randomUUID()}`;
    const stream = [
      recordOpened(p1, '251', '2019-12-02T09:00:00.000Z'),
      recordOpened(p2, '251', '2019-12-02T09:00:00.000Z'),
      recordOpened(p3, '642', '2019-12-02T09:00:00.000Z'),
      // Week of Monday 2019-12-09: the CHU feeds twice (one establishment), the EHPAD once.
      documentAdded({ ins: p1, documentId: docId, at: '2019-12-09T10:00:00.000Z', establishment: chu, author: physician }),
      documentAdded({ ins: p2, at: '2019-12-10T10:00:00.000Z', establishment: chu, author: physician }),
      documentAdded({ ins: p3, at: '2019-12-11T10:00:00.000Z', establishment: ehpad, author: nurse }),
      // A new version of the first document: a replacement, not a new document.
      documentReplaced({ ins: p1, documentId: docId, version: 2, at: '2019-12-12T10:00:00.000Z', establishment: chu, author: physician }),
      // Week of 2019-12-16: a clinic, a liberal pharmacist, two patient documents by one patient.
      documentAdded({ ins: p2, at: '2019-12-16T10:00:00.000Z', establishment: clinic, author: physician }),
      documentAdded({ ins: p3, at: '2019-12-17T10:00:00.000Z', author: pharmacist }),
      documentAdded({ ins: p1, at: '2019-12-18T10:00:00.000Z' }),
      documentAdded({ ins: p1, at: '2019-12-19T10:00:00.000Z' }),
      // Reads: two physicians' reads count once, a refused read and a patient's own read not at all.
      accessed(p1, { role: ActorRole.PROFESSIONAL, id: physician.rpps, profession: Profession.PHYSICIAN }, '2019-12-10T11:00:00.000Z'),
      accessed(p2, { role: ActorRole.PROFESSIONAL, id: physician.rpps, profession: Profession.PHYSICIAN }, '2019-12-11T11:00:00.000Z'),
      accessed(p2, { role: ActorRole.PROFESSIONAL, id: nurse.rpps, profession: Profession.NURSE }, '2019-12-11T11:00:00.000Z', false),
      accessed(p1, { role: ActorRole.PATIENT, id: p1 }, '2019-12-11T11:00:00.000Z'),
      notificationSent(p1, NotificationChannel.EMAIL, NotificationTrigger.FIRST_ACCESS, '2019-12-10T11:00:01.000Z'),
      notificationSent(p2, NotificationChannel.SMS, NotificationTrigger.FIRST_ACCESS, '2019-12-11T11:00:01.000Z'),
      notificationSent(p3, NotificationChannel.EMAIL, NotificationTrigger.NEW_DOCUMENT, '2019-12-17T10:00:01.000Z'),
      fileImported(`backfill-${randomUUID()}`, ReimbursementFileKind.BACKFILL, 1200, 0, '2019-12-03T02:00:00.000Z'),
      fileImported(`delta-${randomUUID()}`, ReimbursementFileKind.DELTA, 300, 20, '2019-12-20T02:00:00.000Z'),
    ];
    await publish(stream);
    await handled(stream);

    expect(await get('/figures/documents?period=week')).toEqual([
      { period: '2019-12-09', sourceCategory: 'establishment-health', type: '11490-0', documents: 2, replacements: 1 },
      { period: '2019-12-09', sourceCategory: 'establishment-medico-social', type: '11490-0', documents: 1, replacements: 0 },
      { period: '2019-12-16', sourceCategory: 'establishment-health', type: '11490-0', documents: 1, replacements: 0 },
      { period: '2019-12-16', sourceCategory: 'liberal-professional', type: '11490-0', documents: 1, replacements: 0 },
      { period: '2019-12-16', sourceCategory: 'patient', type: 'patient-added', documents: 2, replacements: 0 },
    ]);
    expect(await get('/figures/documents?period=month&cpam=642')).toEqual([
      { period: '2019-12-01', sourceCategory: 'establishment-medico-social', type: '11490-0', documents: 1, replacements: 0 },
      { period: '2019-12-01', sourceCategory: 'liberal-professional', type: '11490-0', documents: 1, replacements: 0 },
    ]);
    expect(await get('/figures/feeding-establishments?period=week')).toEqual([
      { period: '2019-12-09', kind: 'health', category: 'chu', establishments: 1 },
      { period: '2019-12-09', kind: 'medico-social', category: 'ehpad', establishments: 1 },
      { period: '2019-12-16', kind: 'health', category: 'clinic', establishments: 1 },
    ]);
    expect(await get('/figures/feeding-establishments?period=all')).toEqual([
      { period: 'all', kind: 'health', category: 'chu', establishments: 1 },
      { period: 'all', kind: 'health', category: 'clinic', establishments: 1 },
      { period: 'all', kind: 'medico-social', category: 'ehpad', establishments: 1 },
    ]);
    expect(await get('/figures/feeding-professionals?period=month')).toEqual([
      { period: '2019-12-01', profession: 'nurse', professionals: 1 },
      { period: '2019-12-01', profession: 'pharmacist', professionals: 1 },
      { period: '2019-12-01', profession: 'physician', professionals: 1 },
    ]);
    expect(await get('/figures/consulting-professionals?period=day')).toEqual([
      { period: '2019-12-10', profession: 'physician', professionals: 1 },
      { period: '2019-12-11', profession: 'physician', professionals: 1 },
    ]);
    expect(await get('/figures/consulting-professionals?period=week')).toEqual([{ period: '2019-12-09', profession: 'physician', professionals: 1 }]);
    expect(await get('/figures/patients-adding-documents?period=all&cpam=251')).toEqual([{ period: 'all', patients: 1 }]);
    expect(await get('/figures/notifications?period=week&channel=email')).toEqual([
      { period: '2019-12-09', trigger: 'first-access', channel: 'email', notifications: 1 },
      { period: '2019-12-16', trigger: 'new-document', channel: 'email', notifications: 1 },
    ]);
    expect(await get('/figures/notifications?period=month&cpam=251')).toEqual([
      { period: '2019-12-01', trigger: 'first-access', channel: 'email', notifications: 1 },
      { period: '2019-12-01', trigger: 'first-access', channel: 'sms', notifications: 1 },
    ]);
    expect(await get('/figures/reimbursement-lines?period=month&format=csv')).toBe(
      'period,kind,files,refusedFiles,linesRead,linesImported,duplicates,rejected,unknownPatient,outOfWindow\n' +
        '2019-12-01,backfill,1,0,1201,1200,0,1,0,0\n' +
        '2019-12-01,delta,1,0,321,300,20,1,0,0\n',
    );
    const before = await snapshot();

    // Redelivery (the same event ids), then a replay with new ids after it on the same keys
    // (so the same partitions): once the replay is handled, the redelivery was too.
    await publish(stream);
    const replay = stream.map((e) => ({ ...e, eventId: randomUUID() }));
    await publish(replay);
    await handled(replay);

    expect(await snapshot()).toEqual(before);
  });

  it('places late and out-of-order events in the period of their own time, in Paris', async () => {
    const ins = anIns();
    const late = [
      recordOpened(ins, '941', '2019-01-02T09:00:00.000Z'),
      // Arrives first but happened last (February), then January's, then Sunday 23:30 UTC =
      // Monday 00:30 in Paris: the week of Monday 2019-01-14.
      documentAdded({ ins, at: '2019-02-20T10:00:00.000Z', establishment: ehpad, author: nurse }),
      documentAdded({ ins, at: '2019-01-08T10:00:00.000Z', establishment: ehpad, author: nurse }),
      documentAdded({ ins, at: '2019-01-13T23:30:00.000Z', establishment: ehpad, author: nurse }),
    ];
    await publish(late);
    await handled(late);

    expect(await get('/figures/documents?period=week&cpam=941&from=2019-01-01&to=2019-03-31')).toEqual([
      { period: '2019-01-07', sourceCategory: 'establishment-medico-social', type: '11490-0', documents: 1, replacements: 0 },
      { period: '2019-01-14', sourceCategory: 'establishment-medico-social', type: '11490-0', documents: 1, replacements: 0 },
      { period: '2019-02-18', sourceCategory: 'establishment-medico-social', type: '11490-0', documents: 1, replacements: 0 },
    ]);
    expect(await get('/figures/feeding-establishments?period=month&from=2019-01-01&to=2019-02-28')).toEqual([
      { period: '2019-01-01', kind: 'medico-social', category: 'ehpad', establishments: 1 },
      { period: '2019-02-01', kind: 'medico-social', category: 'ehpad', establishments: 1 },
    ]);
  });

  it("gives documents, notifications and patients their record's CPAM when the opening arrives after them", async () => {
    const ins = anIns();
    const before = [
      documentAdded({ ins, at: '2018-06-05T10:00:00.000Z', establishment: chu, author: physician }),
      documentAdded({ ins, at: '2018-06-06T10:00:00.000Z' }),
      notificationSent(ins, NotificationChannel.IN_APP, NotificationTrigger.NEW_DOCUMENT, '2018-06-05T10:00:01.000Z'),
    ];
    await publish(before);
    await handled(before);
    const june = '&from=2018-06-01&to=2018-06-30';
    expect(await get(`/figures/documents?period=month&cpam=371${june}`)).toEqual([]);
    expect(await get(`/figures/documents?period=month${june}`)).toHaveLength(2);

    const opening = recordOpened(ins, '371', '2018-06-01T09:00:00.000Z');
    await publish([opening]);
    await handled([opening]);

    expect(await get(`/figures/documents?period=month&cpam=371${june}`)).toEqual([
      { period: '2018-06-01', sourceCategory: 'establishment-health', type: '11490-0', documents: 1, replacements: 0 },
      { period: '2018-06-01', sourceCategory: 'patient', type: 'patient-added', documents: 1, replacements: 0 },
    ]);
    expect(await get(`/figures/notifications?period=month&cpam=371${june}`)).toEqual([
      { period: '2018-06-01', trigger: 'new-document', channel: 'in-app', notifications: 1 },
    ]);
    expect(await get(`/figures/patients-adding-documents?period=month&cpam=371${june}`)).toEqual([{ period: '2018-06-01', patients: 1 }]);
    // Moved, not copied: nothing is left under the unresolved CPAM for June 2018.
    expect(
      await db.query(`SELECT 1 FROM document_counts WHERE cpam_code = '' AND day BETWEEN '2018-06-01' AND '2018-06-30' GROUP BY day, source_category, type HAVING sum(added) <> 0`),
    ).toEqual([]);
  });

  it('keeps the first event of a document version in partition order, whether or not the copies share a batch', async () => {
    const ins = anIns();
    const [a, b] = [`doc-${randomUUID()}`, `doc-${randomUUID()}`];
    const first = (documentId: string): Envelope => documentReplaced({ ins, documentId, version: 2, at: '2017-03-06T10:00:00.000Z', establishment: chu, author: physician });
    const second = (documentId: string): Envelope => documentReplaced({ ins, documentId, version: 2, at: '2017-04-10T10:00:00.000Z', establishment: chu, author: physician });
    // a: both copies in one send (one batch); b: the second copy handled in a later batch.
    const together = [first(a), second(a), first(b)];
    await publish(together);
    await handled(together);
    const later = [second(b)];
    await publish(later);
    await handled(later);

    const days: Array<{ document_id: string; day: string }> = await db.query('SELECT document_id, day::text AS day FROM document_facts WHERE document_id = ANY($1) ORDER BY document_id', [[a, b]]);
    expect(days.map((d) => d.day)).toEqual(['2017-03-06', '2017-03-06']);
    expect(await get('/figures/documents?period=month&from=2017-01-01&to=2017-12-31')).toEqual([
      { period: '2017-03-01', sourceCategory: 'establishment-health', type: '11490-0', documents: 0, replacements: 2 },
    ]);
  });

  it('answers 400 naming the field for a bad filter', async () => {
    const bad = await fetch(`${sut.url}/figures/documents?period=all&source=robot&cpam=12`, { headers: { authorization: `Bearer ${operator}` } });
    const body = (await bad.json()) as { errors: Array<{ field: string }> };

    expect(bad.status).toBe(400);
    expect(body.errors.map((e) => e.field).sort()).toEqual(['cpam', 'period', 'source']);
  });
});
