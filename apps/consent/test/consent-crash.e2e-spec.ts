import { Client } from 'pg';
import { AccessedEvent, EventEnvelope, RecordOpenedEvent } from '@dmp/contracts';
import { AccessMode, Ins, generateIns, generateRpps, seededRandom } from '@dmp/domain';
import { ServiceProcess, createTestDatabase, startServiceProcess, waitFor } from '@dmp/testing';
import { EventProducer, accessed, recordOpened } from './consent-test-kit';

const PATIENTS = 40;
const PROFESSIONALS = 25;
const ACCESSES = 5_000;

/**
 * Needs `npm run build` first: the service runs from dist/ as a child process and is killed with
 * SIGKILL while it consumes a burst of access events, then restarted on the same database.
 */
describe('consent service killed -9 during a burst of access events', () => {
  let db: Client;
  let service: ServiceProcess | undefined;
  let producer: EventProducer;
  let env: Record<string, string>;

  beforeAll(async () => {
    const url = await createTestDatabase('consent_crash');
    env = { DATABASE_URL: url, CONSENT_NOTIFICATION_LEASE_MS: '2000', CONSENT_NOTIFICATION_POLL_MS: '100', LOG_LEVEL: 'warn' };
    service = await startServiceProcess('consent', env, { readyTimeoutMs: 60_000 });
    db = new Client({ connectionString: url });
    await db.connect();
    producer = await EventProducer.connect();
  }, 90_000);

  afterAll(async () => {
    await producer?.disconnect();
    await service?.stop();
    await db?.end();
  });

  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await db.query<{ n: string }>(sql, params)).rows[0].n);

  it('leaves exactly one notification per trigger and a complete trace', async () => {
    const random = seededRandom(2026);
    const patients: Ins[] = Array.from({ length: PATIENTS }, () => generateIns(random));
    const professionals = Array.from({ length: PROFESSIONALS }, () => generateRpps(random));
    const events: EventEnvelope<unknown>[] = [];
    const firstAccesses = new Set<string>();
    let emergencies = 0;
    for (let i = 0; i < ACCESSES; i++) {
      const ins = patients[i % PATIENTS];
      const rpps = professionals[Math.floor(i / PATIENTS) % PROFESSIONALS];
      const granted = i % 10 !== 9;
      const emergency = i % 97 === 0;
      events.push(accessed(ins, { rpps, granted, mode: emergency ? AccessMode.EMERGENCY : AccessMode.NORMAL, reason: emergency ? 'unconscious' : undefined }));
      if (granted) firstAccesses.add(`${ins}:${rpps}`);
      if (granted && emergency) emergencies++;
    }
    await producer.publish(RecordOpenedEvent, patients.map((ins) => recordOpened(ins)));

    const burst = producer.publish(AccessedEvent, events);
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM access_trace`)) >= 500, { timeoutMs: 60_000, intervalMs: 10, message: 'the burst to be under way' });
    await service!.kill('SIGKILL');
    const tracedAtKill = await count(`SELECT count(*) AS n FROM access_trace`);
    await burst;
    service = await startServiceProcess('consent', env, { readyTimeoutMs: 60_000 });

    const expectedNotifications = PATIENTS + firstAccesses.size + emergencies;
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM access_trace`)) === ACCESSES &&
        (await count(`SELECT count(*) AS n FROM notifications WHERE status = 'sent'`)) === expectedNotifications,
      { timeoutMs: 120_000, intervalMs: 200, message: 'every access traced and every notification sent after the restart' },
    );

    expect(tracedAtKill).toBeLessThan(ACCESSES);
    const ids = events.map((e) => (e as EventEnvelope<{ accessId: string }>).payload.accessId);
    expect(await count(`SELECT count(*) AS n FROM access_trace WHERE access_id = ANY($1::uuid[])`, [ids])).toBe(ACCESSES);
    expect(await count(`SELECT count(*) AS n FROM notifications`)).toBe(expectedNotifications);
    expect(await count(`SELECT count(*) AS n FROM (SELECT dedup_key FROM notifications GROUP BY dedup_key HAVING count(*) > 1) d`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM notifications WHERE trigger = 'first-access'`)).toBe(firstAccesses.size);
    expect(await count(`SELECT count(*) AS n FROM notifications WHERE trigger = 'emergency-access'`)).toBe(emergencies);
    expect(await count(`SELECT count(*) AS n FROM notifications WHERE trigger = 'record-opened'`)).toBe(PATIENTS);
    // Delivered exactly once: one mailbox message per notification, none without one.
    expect(await count(`SELECT count(*) AS n FROM mailbox_messages`)).toBe(expectedNotifications);
    expect(await count(`SELECT count(*) AS n FROM notifications n JOIN mailbox_messages m ON m.notification_id = n.id`)).toBe(expectedNotifications);
  }, 300_000);
});
