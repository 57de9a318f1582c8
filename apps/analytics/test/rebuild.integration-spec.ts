import { randomUUID } from 'node:crypto';
import { Admin, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { EventEnvelope, serializeEvent } from '@dmp/contracts';
import { ActorRole, EstablishmentCategory, Finess, generateFiness, generateRpps, NotificationChannel, NotificationTrigger, Profession, ReimbursementFileKind, Rpps, seededRandom } from '@dmp/domain';
import { anIns, startTestApp, TestApp, testConfig } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { AnalyticsConfig } from '../src/config';
import { FIGURE_TABLES, rebuildAnalytics, RebuildError, RebuildProgress } from '../src/rebuild/rebuild-analytics';
import { consumed } from './support/consumed';
import { accessed, documentAdded, documentReplaced, fileImported, notificationSent, recordOpened } from './support/analytics-events';
import { startTestKafka, TestKafka } from './support/test-kafka';

type Envelope = EventEnvelope<unknown>;
/**
 * The counter tables as the figures see them: summed over their slots (which slot a transaction
 * increments depends on timing), without the zero sums (a count moved to a patient's CPAM leaves
 * a zero behind, or none, depending on the arrival order).
 */
const FOLDED: Record<string, string> = {
  document_counts: 'SELECT day, cpam_code, source_category, type, sum(added) AS added, sum(replaced) AS replaced FROM document_counts GROUP BY 1, 2, 3, 4 HAVING (sum(added), sum(replaced)) <> (0, 0)',
  notification_counts: 'SELECT day, cpam_code, trigger, channel, sum(notifications) AS notifications FROM notification_counts GROUP BY 1, 2, 3, 4 HAVING sum(notifications) <> 0',
};
const topicOf = (e: Envelope): string => `dmp.${e.type}.v1`;

describe(rebuildAnalytics.name, () => {
  let broker: TestKafka;
  let producer: Producer;
  let admin: Admin;
  let config: AnalyticsConfig;
  let app: TestApp | undefined;
  const random = seededRandom(88);

  async function publish(envelopes: Envelope[]): Promise<void> {
    const byTopic = new Map<string, Envelope[]>();
    for (const e of envelopes) byTopic.set(topicOf(e), [...(byTopic.get(topicOf(e)) ?? []), e]);
    await producer.sendBatch({ topicMessages: [...byTopic.entries()].map(([topic, list]) => ({ topic, messages: list.map((e) => serializeEvent(e)) })) });
  }
  /** Every figure table (the counters folded over their slots), rows in a fixed order. */
  async function tables(db: DataSource): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const table of FIGURE_TABLES) out[table] = await db.query(`SELECT * FROM (${FOLDED[table] ?? `SELECT * FROM ${table}`}) t ORDER BY t::text`);
    return out;
  }

  beforeAll(async () => {
    broker = await startTestKafka('analytics-rebuild-test');
    ({ producer, admin } = broker);
    config = await testConfig(AnalyticsConfig, { KAFKA_BROKERS: broker.bootstrap });
  });

  afterAll(async () => {
    await app?.stop();
    await broker?.stop();
  });

  it('empties the figures and replays the topics into the same figures; the service resumes after it', async () => {
    const establishment = { finess: generateFiness(random) as Finess, category: EstablishmentCategory.EHPAD };
    const author = { rpps: generateRpps(random) as Rpps, profession: Profession.NURSE };
    const stream: Envelope[] = [];
    for (let i = 0; i < 40; i++) {
      const ins = anIns();
      const day = `2019-0${1 + (i % 9)}-1${i % 10}T10:00:00.000Z`;
      const docId = `doc-${randomUUID()}`;
      // Half the documents come before their record's opening.
      if (i % 2 === 0) stream.push(recordOpened(ins, ['251', '642', '941'][i % 3], day));
      stream.push(documentAdded({ ins, documentId: docId, at: day, establishment, author }));
      stream.push(documentReplaced({ ins, documentId: docId, version: 2, at: day, establishment, author }));
      stream.push(documentAdded({ ins, at: day }));
      stream.push(accessed(ins, { role: ActorRole.PROFESSIONAL, id: author.rpps, profession: Profession.NURSE }, day));
      stream.push(notificationSent(ins, NotificationChannel.EMAIL, NotificationTrigger.NEW_DOCUMENT, day));
      if (i % 2 === 1) stream.push(recordOpened(ins, ['251', '642', '941'][i % 3], day));
    }
    stream.push(fileImported(`delta-${randomUUID()}`, ReimbursementFileKind.DELTA, 10, 2, '2019-03-01T02:00:00.000Z'));
    await publish(stream);
    app = await startTestApp(AppModule.forRoot(config), config);
    const db = app.app.get(DataSource);
    await consumed(admin, [...new Set(stream.map(topicOf))]);
    const before = await tables(db);
    expect(before['document_facts']).toHaveLength(120);

    await expect(rebuildAnalytics({ databaseUrl: config.DATABASE_URL, brokers: [broker.bootstrap] })).rejects.toThrow(RebuildError);
    await app.stop();
    app = undefined;

    const steps: string[] = [];
    const progress: RebuildProgress[] = [];
    const sut = await rebuildAnalytics({ databaseUrl: config.DATABASE_URL, brokers: [broker.bootstrap], progressIntervalMs: 0, onProgress: (p) => progress.push(p), onStep: (step) => steps.push(step) });

    expect(sut.events).toBe(stream.length);
    expect(steps).toEqual(['emptying 7 figure tables', 'setting group dmp-analytics back to the start of 8 topics', `replaying ${stream.length} events`]);
    expect(progress.every((p) => p.total === stream.length && p.handled <= p.total)).toBe(true);
    app = await startTestApp(AppModule.forRoot(config), config);
    const after = app.app.get(DataSource);
    expect(await tables(after)).toEqual(before);
    // Resumes where the rebuild stopped: a new event counts once, nothing is replayed again.
    const marker = notificationSent(anIns(), NotificationChannel.SMS, NotificationTrigger.FIRST_ACCESS, '2019-05-05T10:00:00.000Z');
    await publish([marker]);
    await consumed(admin, [topicOf(marker)]);
    const resumed = await tables(after);
    expect(resumed['notification_facts']).toHaveLength(41);
    expect(resumed['document_facts']).toEqual(before['document_facts']);
  });
});
