import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, openSync, readSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { DocumentSubmissionPayload, EventEnvelope, Topics, encodeBinarySubmission } from '@dmp/contracts';
import { DocumentFormat, Ins } from '@dmp/domain';
import { ServiceProcess, aProfessional, anEstablishment, anIns, createTestDatabase, reseedBuilders, startServiceProcess, waitFor } from '@dmp/testing';
import { EventProducer, aDocument, aSubmission, kafka, recordOpened, submissionEvent } from './documents-test-kit';

const DOCUMENTS = 3_000;
const PATIENTS = 100;

// Every test app consumes every event of the shared broker (own consumer group): identifiers
// from a seed of this file only, so that another file's events never touch this file's patients.
reseedBuilders(909);

describe('documents service with the packs store and binary submissions, killed with SIGKILL in the middle of a stream', () => {
  let service: ServiceProcess | undefined;
  let producer: EventProducer;
  let raw: Producer;
  let db: Client;
  const dir = mkdtempSync(join(tmpdir(), 'dmp-documents-crash-packs-'));

  afterAll(async () => {
    await service?.kill('SIGKILL');
    await producer?.disconnect();
    await raw?.disconnect();
    await db?.end();
    rmSync(dir, { recursive: true, force: true });
  });

  async function count(sql: string, params: unknown[]): Promise<number> {
    const result = await db.query<{ n: string }>(sql, params);
    return Number(result.rows[0]?.n ?? 0);
  }

  it('files every document once, each with its body in a pack, verified, and publishes each document-added once', async () => {
    const url = await createTestDatabase('documents_crash_packs');
    const env = { DATABASE_URL: url, DOCUMENTS_BLOB_STORE: 'packs', DOCUMENTS_BLOB_DIR: dir, DOCUMENTS_CONSUMER_GROUP: `dmp-documents-crash-packs-${randomUUID()}`, DOCUMENTS_PARK_SWEEP_INTERVAL_MS: '0', LOG_LEVEL: 'warn' };
    service = await startServiceProcess('documents', env, { readyTimeoutMs: 60_000 });
    db = new Client({ connectionString: url });
    await db.connect();
    producer = await EventProducer.connect();
    raw = kafka().producer();
    await raw.connect();

    const patients: Ins[] = Array.from({ length: PATIENTS }, () => anIns());
    await producer.publish(Topics.RECORD_OPENED, patients.map((ins) => recordOpened(ins)));
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM document_patients WHERE ins = ANY($1) AND record_status = 'open'`, [patients])) === PATIENTS, {
      timeoutMs: 60_000,
      message: 'records open',
    });

    const run = randomUUID().slice(0, 8);
    const establishments = Array.from({ length: 8 }, () => anEstablishment().build()).map(({ finess, kind, category }) => ({ finess, kind, category }));
    const author = (({ rpps, profession }) => ({ rpps, profession }))(aProfessional().build());
    const messages = Array.from({ length: DOCUMENTS }, (_, i) => {
      const body = Buffer.concat([Buffer.from(`%PDF-1.7 ${run} ${i}\n`), randomBytes(20 * 1024)]);
      const { bodyBase64: _inline, ...metadata } = aDocument(patients[i % PATIENTS], author, { documentId: `crash-${run}-${i}`, format: DocumentFormat.PDF }, body);
      void _inline;
      const establishment = establishments[i % establishments.length];
      const envelope = submissionEvent(aSubmission(establishment, [metadata], `crash-${run}-${i}`)) as EventEnvelope<DocumentSubmissionPayload>;
      return { key: establishment.finess, value: encodeBinarySubmission(envelope, [body]) };
    });
    for (let i = 0; i < messages.length; i += 100) await raw.send({ topic: Topics.DOCUMENT_SUBMISSIONS, messages: messages.slice(i, i + 100) });
    const ours = `crash-${run}-%`;
    const stored = (): Promise<number> => count('SELECT count(*) AS n FROM documents WHERE document_id LIKE $1', [ours]);

    await waitFor(async () => (await stored()) >= DOCUMENTS / 5, { timeoutMs: 120_000, intervalMs: 20, message: 'a fifth of the stream stored' });
    await service.kill('SIGKILL');
    const atKill = await stored();
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(DOCUMENTS);

    service = await startServiceProcess('documents', env, { readyTimeoutMs: 60_000 });
    await waitFor(async () => (await stored()) === DOCUMENTS, { timeoutMs: 240_000, intervalMs: 500, message: `all ${DOCUMENTS} documents stored` });

    expect(await count('SELECT count(DISTINCT document_id) AS n FROM documents WHERE document_id LIKE $1 AND version = 1', [ours])).toBe(DOCUMENTS);
    // Every body indexed once, and the bytes at its location hash to it.
    const locations = await db.query<{ sha256: string; pack: string; pack_offset: string; length: number }>(
      'SELECT l.sha256, l.pack, l.pack_offset, l.length FROM document_blob_locations l JOIN documents d ON d.sha256 = l.sha256 WHERE d.document_id LIKE $1',
      [ours],
    );
    expect(locations.rows).toHaveLength(DOCUMENTS);
    const corrupt = locations.rows.filter((l) => {
      const fd = openSync(join(dir, l.pack), 'r');
      try {
        const body = Buffer.alloc(l.length);
        readSync(fd, body, 0, l.length, Number(l.pack_offset));
        return createHash('sha256').update(body).digest('hex') !== l.sha256;
      } finally {
        closeSync(fd);
      }
    });
    expect(corrupt).toEqual([]);
    const addedEvents = `SELECT count(*) AS n FROM outbox_messages WHERE topic = $1 AND payload->'payload'->>'documentId' LIKE $2`;
    expect(await count(addedEvents, [Topics.DOCUMENT_ADDED, ours])).toBe(DOCUMENTS);
    expect(await count(`SELECT count(DISTINCT payload->'payload'->>'documentId') AS n FROM outbox_messages WHERE topic = $1 AND payload->'payload'->>'documentId' LIKE $2`, [Topics.DOCUMENT_ADDED, ours])).toBe(DOCUMENTS);
    expect(await count(addedEvents, [Topics.DOCUMENT_REJECTED, ours])).toBe(0);
  }, 600_000);
});
