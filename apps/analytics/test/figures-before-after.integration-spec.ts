import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Producer } from 'kafkajs';
import { EventEnvelope, serializeEvent } from '@dmp/contracts';
import {
  ActorRole,
  EstablishmentCategory,
  Finess,
  generateFiness,
  generateIns,
  generateRpps,
  Ins,
  NotificationChannel,
  NotificationTrigger,
  Profession,
  ReimbursementFileKind,
  Rpps,
  seededRandom,
} from '@dmp/domain';
import { anOperator, startTestApp, TestApp, testConfig, tokenFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { AnalyticsConfig } from '../src/config';
import { accessed, documentAdded, documentReplaced, fileImported, notificationSent, recordOpened } from './support/analytics-events';
import { consumed } from './support/consumed';
import { startTestKafka, TestKafka } from './support/test-kafka';

type Envelope = EventEnvelope<unknown>;
const topicOf = (e: Envelope): string => `dmp.${e.type}.v1`;

/**
 * The figures API's answers for a fixed event stream, recorded from the design that kept distinct
 * members per day, week, month and ever with their counters (commit b3fa16a; regenerate only on
 * purpose, with RECORD_FIGURES=1). The design that keeps one row per member and day and counts
 * weeks, months and ever when read must answer exactly the same.
 */
const FIXTURE = join(__dirname, 'fixtures', 'figures-before-member-days.json');

const FIGURES = [
  '/figures/records',
  '/figures/records?cpam=251',
  '/figures/openings?period=week',
  '/figures/openings?period=month&cpam=642',
  '/figures/coverage',
  '/figures/documents?period=day',
  '/figures/documents?period=week&cpam=251',
  '/figures/documents?period=month&source=patient',
  '/figures/notifications?period=week',
  '/figures/reimbursement-lines?period=month',
  ...['feeding-establishments', 'feeding-professionals', 'consulting-professionals', 'patients-adding-documents'].flatMap((figure) => [
    `/figures/${figure}?period=day`,
    `/figures/${figure}?period=week`,
    `/figures/${figure}?period=month`,
    `/figures/${figure}?period=all`,
    `/figures/${figure}?period=week&from=2019-10-16&to=2019-11-13`,
    `/figures/${figure}?period=month&from=2019-10-20&to=2019-11-02`,
    `/figures/${figure}?period=day&from=2019-11-03&to=2019-11-05`,
    `/figures/${figure}?period=all&from=2019-11-01&to=2019-11-30`,
    `/figures/${figure}?period=week&format=csv`,
  ]),
  '/figures/patients-adding-documents?period=week&cpam=251',
  '/figures/patients-adding-documents?period=all&cpam=642',
];

/**
 * Three months of a small roll-out, seeded: openings (some after the patient's documents, reads
 * and notifications), documents by establishments, liberal professionals and patients, new
 * versions, reads (granted or not), notifications, reimbursement files, times around Paris
 * midnight and on week and month edges.
 */
function stream(): Envelope[] {
  const random = seededRandom(20191001);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const categories = [EstablishmentCategory.CHU, EstablishmentCategory.HOSPITAL, EstablishmentCategory.CLINIC, EstablishmentCategory.EHPAD, EstablishmentCategory.OTHER_MEDICO_SOCIAL];
  const establishments = Array.from({ length: 12 }, (_, i) => ({ finess: generateFiness(random) as Finess, category: categories[i % categories.length] }));
  const professions = [Profession.PHYSICIAN, Profession.NURSE, Profession.PHARMACIST, Profession.MIDWIFE];
  const professionals = Array.from({ length: 40 }, (_, i) => ({ rpps: generateRpps(random) as Rpps, profession: professions[i % professions.length] }));
  const patients = Array.from({ length: 120 }, () => ({ ins: generateIns(random) as Ins, cpam: pick(['251', '642', '941']) }));
  const start = Date.UTC(2019, 9, 1);
  // Many events fall within an hour of Paris midnight (22:00-23:59 UTC), where UTC and Paris days differ.
  const at = (): string => {
    const day = Math.floor(random() * 92);
    const minute = random() < 0.3 ? 22 * 60 + Math.floor(random() * 120) : Math.floor(random() * 1440);
    return new Date(start + day * 86_400_000 + minute * 60_000).toISOString();
  };
  const events: Envelope[] = [];
  const documents: Array<{ id: string; ins: Ins; establishment?: (typeof establishments)[number]; author?: (typeof professionals)[number] }> = [];
  for (const [i, p] of patients.entries()) if (i % 6 !== 5) events.push(recordOpened(p.ins, p.cpam, at()));
  for (let i = 0; i < 900; i++) {
    const patient = pick(patients).ins;
    const roll = random();
    if (roll < 0.4) {
      const kind = random();
      const establishment = kind < 0.5 ? pick(establishments) : undefined;
      const author = kind < 0.8 ? pick(professionals) : undefined;
      const id = `doc-${i}`;
      documents.push({ id, ins: patient, establishment, author });
      events.push(documentAdded({ ins: patient, documentId: id, at: at(), establishment, author }));
    } else if (roll < 0.45 && documents.length > 0) {
      const doc = pick(documents);
      events.push(documentReplaced({ ins: doc.ins, documentId: doc.id, version: 2, at: at(), establishment: doc.establishment, author: doc.author ?? professionals[0] }));
    } else if (roll < 0.8) {
      const reader = pick(professionals);
      events.push(accessed(patient, { role: ActorRole.PROFESSIONAL, id: reader.rpps, profession: reader.profession }, at(), random() < 0.9));
    } else if (roll < 0.97) {
      events.push(notificationSent(patient, pick([NotificationChannel.EMAIL, NotificationChannel.SMS]), pick([NotificationTrigger.FIRST_ACCESS, NotificationTrigger.NEW_DOCUMENT]), at()));
    } else {
      events.push(fileImported(`file-${i}`, pick([ReimbursementFileKind.DELTA, ReimbursementFileKind.BACKFILL]), 100 + i, i % 7, at()));
    }
  }
  return events;
}

describe('analytics figures before and after the member-day design', () => {
  let broker: TestKafka;
  let producer: Producer;
  let admin: Admin;
  let sut: TestApp;
  const operator = tokenFor(anOperator());

  async function publish(envelopes: Envelope[]): Promise<void> {
    const byTopic = new Map<string, Envelope[]>();
    for (const e of envelopes) byTopic.set(topicOf(e), [...(byTopic.get(topicOf(e)) ?? []), e]);
    await producer.sendBatch({ topicMessages: [...byTopic.entries()].map(([topic, list]) => ({ topic, messages: list.map((e) => serializeEvent(e)) })) });
  }
  async function answers(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const path of FIGURES) {
      const response = await fetch(`${sut.url}${path}`, { headers: { authorization: `Bearer ${operator}` } });
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      out[path] = (response.headers.get('content-type') ?? '').includes('csv') ? await response.text() : await response.json();
    }
    return out;
  }

  beforeAll(async () => {
    broker = await startTestKafka('analytics-before-after-test');
    ({ producer, admin } = broker);
    const config = await testConfig(AnalyticsConfig, { KAFKA_BROKERS: broker.bootstrap });
    sut = await startTestApp(AppModule.forRoot(config), config);
  });

  afterAll(async () => {
    await sut?.stop();
    await broker?.stop();
  });

  it('answers every figure as the per-period design did, and a redelivery and a replay with new ids change nothing', async () => {
    const events = stream();
    const topics = [...new Set(events.map(topicOf))];
    await publish(events);
    await consumed(admin, topics, { timeoutMs: 60_000 });
    const first = await answers();

    if (process.env['RECORD_FIGURES'] === '1') writeFileSync(FIXTURE, `${JSON.stringify(first, null, 1)}\n`);
    expect(existsSync(FIXTURE)).toBe(true);
    expect(first).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));

    // The same events again (a redelivery), then the same facts under new event ids (a producer's replay).
    await publish([...events.slice(0, 300), ...events.slice(400, 700).map((e) => ({ ...e, eventId: randomUUID() }))]);
    await consumed(admin, topics, { timeoutMs: 60_000 });
    expect(await answers()).toEqual(first);
  });
});
