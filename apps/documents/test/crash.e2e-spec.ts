import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Topics } from '@dmp/contracts';
import { Ins } from '@dmp/domain';
import { ServiceProcess, aProfessional, anEstablishment, anIns, createTestDatabase, startServiceProcess, waitFor, reseedBuilders } from '@dmp/testing';
import { EventProducer, aDocument, aSubmission, recordOpened, submissionEvent } from './documents-test-kit';

const DOCUMENTS = 10_000;
const PATIENTS = 200;

// Every test app consumes every event of the shared broker (own consumer group): identifiers
// from a seed of this file only, so that another file's events never touch this file's patients.
reseedBuilders(404);

describe('documents service killed with SIGKILL in the middle of a stream', () => {
  let service: ServiceProcess | undefined;
  let producer: EventProducer;
  let db: Client;

  afterAll(async () => {
    await service?.kill('SIGKILL');
    await producer?.disconnect();
    await db?.end();
  });

  async function count(sql: string, params: unknown[]): Promise<number> {
    const result = await db.query<{ n: string }>(sql, params);
    return Number(result.rows[0]?.n ?? 0);
  }

  it('stores every document exactly once and publishes each document-added once', async () => {
    const url = await createTestDatabase('documents_crash');
    const env = { DATABASE_URL: url, DOCUMENTS_CONSUMER_GROUP: `dmp-documents-crash-${randomUUID()}`, DOCUMENTS_PARK_SWEEP_INTERVAL_MS: '0', LOG_LEVEL: 'warn' };
    service = await startServiceProcess('documents', env, { readyTimeoutMs: 60_000 });
    db = new Client({ connectionString: url });
    await db.connect();
    producer = await EventProducer.connect();

    const patients: Ins[] = Array.from({ length: PATIENTS }, () => anIns());
    await producer.publish(Topics.RECORD_OPENED, patients.map((ins) => recordOpened(ins)));
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM document_patients WHERE ins = ANY($1) AND record_status = 'open'`, [patients])) === PATIENTS, {
      timeoutMs: 60_000,
      message: 'records open',
    });

    const run = randomUUID().slice(0, 8);
    const establishments = Array.from({ length: 8 }, () => anEstablishment().build()).map(({ finess, kind, category }) => ({ finess, kind, category }));
    const author = (({ rpps, profession }) => ({ rpps, profession }))(aProfessional().build());
    const submissions = Array.from({ length: DOCUMENTS }, (_, i) =>
      submissionEvent(aSubmission(establishments[i % establishments.length], [aDocument(patients[i % PATIENTS], author, { documentId: `crash-${run}-${i}` }, Buffer.from(`report ${run} ${i}`))], `crash-${run}-${i}`)),
    );
    await producer.publish(Topics.DOCUMENT_SUBMISSIONS, submissions);
    const ours = `crash-${run}-%`;
    const stored = (): Promise<number> => count('SELECT count(*) AS n FROM documents WHERE document_id LIKE $1', [ours]);

    await waitFor(async () => (await stored()) >= DOCUMENTS / 5, { timeoutMs: 120_000, intervalMs: 20, message: 'a fifth of the stream stored' });
    await service.kill('SIGKILL');
    const atKill = await stored();
    // Killed in the middle of the stream: some stored, not all.
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(DOCUMENTS);

    service = await startServiceProcess('documents', env, { readyTimeoutMs: 60_000 });
    await waitFor(async () => (await stored()) === DOCUMENTS, { timeoutMs: 240_000, intervalMs: 500, message: `all ${DOCUMENTS} documents stored` });

    expect(await count('SELECT count(DISTINCT document_id) AS n FROM documents WHERE document_id LIKE $1', [ours])).toBe(DOCUMENTS);
    expect(await count('SELECT count(*) AS n FROM documents WHERE document_id LIKE $1 AND version <> 1', [ours])).toBe(0);
    const addedEvents = `SELECT count(*) AS n FROM outbox_messages WHERE topic = $1 AND payload->'payload'->>'documentId' LIKE $2`;
    expect(await count(addedEvents, [Topics.DOCUMENT_ADDED, ours])).toBe(DOCUMENTS);
    expect(await count(`SELECT count(DISTINCT payload->'payload'->>'documentId') AS n FROM outbox_messages WHERE topic = $1 AND payload->'payload'->>'documentId' LIKE $2`, [Topics.DOCUMENT_ADDED, ours])).toBe(DOCUMENTS);
    expect(await count(`SELECT count(*) AS n FROM outbox_messages WHERE topic = $1 AND payload->'payload'->>'documentId' LIKE $2`, [Topics.DOCUMENT_REJECTED, ours])).toBe(0);
    // Every body stored once (the store is keyed by hash), and one answer per submission.
    expect(await count('SELECT count(*) AS n FROM document_blobs b WHERE b.sha256 IN (SELECT sha256 FROM documents WHERE document_id LIKE $1)', [ours])).toBe(DOCUMENTS);
    const answers = `SELECT count(*) AS n FROM outbox_messages WHERE topic = $1 AND payload->'payload'->>'submissionId' LIKE $2`;
    expect(await count(answers, [Topics.DOCUMENT_SUBMISSION_RESULTS, ours])).toBe(DOCUMENTS);
    await waitFor(async () => (await count(`${addedEvents} AND published_at IS NOT NULL`, [Topics.DOCUMENT_ADDED, ours])) === DOCUMENTS, {
      timeoutMs: 60_000,
      message: 'every document-added event published',
    });
  }, 600_000);
});
