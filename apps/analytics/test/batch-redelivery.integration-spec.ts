import { Admin, Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { EventEnvelope, serializeEvent, Topics } from '@dmp/contracts';
import { ActorRole, EstablishmentCategory, Finess, generateFiness, generateRpps, Ins, NotificationChannel, NotificationTrigger, Profession, Rpps, seededRandom } from '@dmp/domain';
import { readDeadLetters } from '@dmp/messaging';
import { anIns, anOperator, startTestApp, TestApp, testConfig, tokenFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { AnalyticsConfig } from '../src/config';
import { consumed } from './support/consumed';
import { accessed, documentAdded, notificationSent, recordOpened } from './support/analytics-events';
import { startTestKafka, TestKafka } from './support/test-kafka';

type Envelope = EventEnvelope<unknown>;
/** A message that fails validation, to travel in the middle of a batch. */
type Poison = { poison: true; topic: string; message: { key: string; value: string } };
const topicOf = (e: Envelope): string => `dmp.${e.type}.v1`;

// A broker and a database of its own: the figures below count every event on the topics.
describe('analytics batch consumption', () => {
  let broker: TestKafka;
  let kafka: Kafka;
  let producer: Producer;
  let admin: Admin;
  let sut: TestApp;
  let db: DataSource;
  const operator = tokenFor(anOperator());
  const random = seededRandom(2024);
  const chu = { finess: generateFiness(random) as Finess, category: EstablishmentCategory.CHU };
  const physicians = Array.from({ length: 12 }, () => ({ rpps: generateRpps(random) as Rpps, profession: Profession.PHYSICIAN }));
  const readers = Array.from({ length: 30 }, () => ({ role: ActorRole.PROFESSIONAL, id: generateRpps(random) as string, profession: Profession.NURSE }));

  /** One send: each partition's messages reach the service as multi-event batches. */
  async function publish(envelopes: Array<Envelope | Poison>): Promise<void> {
    const byTopic = new Map<string, Array<{ key: string; value: string }>>();
    for (const e of envelopes) {
      const [topic, message] = 'poison' in e ? [e.topic, e.message] : [topicOf(e), serializeEvent(e)];
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
    }
    await producer.sendBatch({ topicMessages: [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages })) });
  }
  /** Waits until the service's group has consumed everything published to these events' topics. */
  async function handled(envelopes: Envelope[]): Promise<void> {
    await consumed(admin, [...new Set(envelopes.map(topicOf))], { timeoutMs: 60_000 });
  }
  async function get<T>(path: string): Promise<T> {
    const response = await fetch(`${sut.url}${path}`, { headers: { authorization: `Bearer ${operator}` } });
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
  /** A patient's day in October 2019: opened, one CHU document, one read, one notification. */
  function patientDay(ins: Ins, i: number, opened: boolean): Envelope[] {
    const at = `2019-10-${String(7 + (i % 5)).padStart(2, '0')}T10:00:00.000Z`;
    return [
      ...(opened ? [recordOpened(ins, i % 2 === 0 ? '251' : '642', '2019-10-01T09:00:00.000Z')] : []),
      documentAdded({ ins, at, establishment: chu, author: physicians[i % physicians.length] }),
      accessed(ins, readers[i % readers.length], at),
      notificationSent(ins, NotificationChannel.EMAIL, NotificationTrigger.NEW_DOCUMENT, at),
    ];
  }

  beforeAll(async () => {
    broker = await startTestKafka('analytics-batch-test');
    ({ producer, admin, kafka } = broker);
    const config = await testConfig(AnalyticsConfig, { KAFKA_BROKERS: broker.bootstrap });
    sut = await startTestApp(AppModule.forRoot(config), config);
    db = sut.app.get(DataSource);
  });

  afterAll(async () => {
    await sut?.stop();
    await broker?.stop();
  });

  it('counts only the new events of a batch that redelivers handled ones and repeats new ones, and dead-letters its poison message', async () => {
    const first = Array.from({ length: 300 }, (_, i) => patientDay(anIns(), i, true)).flat();
    await publish(first);
    await handled(first);
    expect(await get('/figures/documents?period=month&from=2019-10-01&to=2019-10-31')).toEqual([
      { period: '2019-10-01', sourceCategory: 'establishment-health', type: '11490-0', documents: 300, replacements: 0 },
    ]);

    // 150 patients without an opening on record yet (unresolved CPAM), then one send mixing, in
    // every partition, the 1,200 events already handled (a redelivery: same event ids), the new
    // ones, a second copy of 60 of the new ones, and a document whose INS is not one.
    const fresh = Array.from({ length: 150 }, (_, i) => patientDay(anIns(), i, false)).flat();
    const bad = JSON.parse(serializeEvent(documentAdded({ ins: anIns(), at: '2019-10-08T10:00:00.000Z', establishment: chu })).value) as { key: string; payload: { ins: string } };
    bad.payload.ins = '123';
    const poison: Poison = { poison: true, topic: Topics.DOCUMENT_ADDED, message: { key: bad.key, value: JSON.stringify(bad) } };
    const mixed: Array<Envelope | Poison> = [];
    for (let i = 0; i < Math.max(first.length, fresh.length); i++) {
      if (i < first.length) mixed.push(first[i]);
      if (i < fresh.length) mixed.push(fresh[i]);
      if (i < 60) mixed.push(fresh[i]);
      if (i === 100) mixed.push(poison);
    }
    await publish(mixed);
    await handled(fresh);
    const deadLetters = await readDeadLetters(kafka);
    expect(deadLetters.map((d) => ({ topic: d.originalTopic, value: d.value, invalidIns: /payload\.ins/.test(d.reason ?? '') }))).toEqual([
      { topic: Topics.DOCUMENT_ADDED, value: poison.message.value, invalidIns: true },
    ]);

    expect(await get('/figures/documents?period=month&from=2019-10-01&to=2019-10-31')).toEqual([
      { period: '2019-10-01', sourceCategory: 'establishment-health', type: '11490-0', documents: 450, replacements: 0 },
    ]);
    expect(await get('/figures/documents?period=month&cpam=251&from=2019-10-01&to=2019-10-31')).toEqual([
      { period: '2019-10-01', sourceCategory: 'establishment-health', type: '11490-0', documents: 150, replacements: 0 },
    ]);
    expect(await get('/figures/notifications?period=month&from=2019-10-01&to=2019-10-31')).toEqual([
      { period: '2019-10-01', trigger: 'new-document', channel: 'email', notifications: 450 },
    ]);
    expect(await get('/figures/feeding-professionals?period=all')).toEqual([{ period: 'all', profession: 'physician', professionals: 12 }]);
    expect(await get('/figures/consulting-professionals?period=month')).toEqual([{ period: '2019-10-01', profession: 'nurse', professionals: 30 }]);
    expect(await get('/figures/consulting-professionals?period=day&from=2019-10-07&to=2019-10-11')).toEqual(
      ['07', '08', '09', '10', '11'].map((d) => ({ period: `2019-10-${d}`, profession: 'nurse', professionals: 30 / 5 })),
    );
    // Without an inbox row per event: the facts' own keys absorbed the redelivery.
    expect(Number((await db.query('SELECT count(*) AS n FROM inbox_events'))[0].n)).toBe(0);
  });
});
