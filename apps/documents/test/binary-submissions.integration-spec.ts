import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { DocumentSubmissionPayload, DocumentSubmissionResultsPayload, EventEnvelope, SubmissionOutcome, Topics, encodeBinarySubmission } from '@dmp/contracts';
import { DocumentFormat, EstablishmentCategory } from '@dmp/domain';
import { readDeadLetters } from '@dmp/messaging';
import { TestApp, aPatient, aProfessional, anEstablishment, anIns, reseedBuilders, startTestApp, testConfig, tokenFor, waitFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { DocumentsConfig } from '../src/config';
import { EventProducer, Establishment, aDocument, aSubmission, http, kafka, outboxEvents, recordOpened, recordStatus, submissionEvent } from './documents-test-kit';

// Every test app consumes every event of the shared broker (own consumer group): identifiers
// from a seed of this file only, so that another file's events never touch this file's patients.
reseedBuilders(606);

// The crash test's 10,000 submissions run at the same time and every test app consumes them too.
jest.setTimeout(180_000);

/** A document's metadata for the binary encoding: no bodyBase64, the hash and size of `body`. */
function binaryDocument(document: Record<string, unknown>, body: Buffer): Record<string, unknown> {
  const { bodyBase64: _inline, ...metadata } = document;
  void _inline;
  return { ...metadata, sha256: createHash('sha256').update(body).digest('hex'), sizeBytes: body.length };
}

describe('documents: binary-encoded submissions on Kafka', () => {
  let sut: TestApp;
  let producer: EventProducer;
  let raw: Producer;
  let db: DataSource;
  const group = `dmp-documents-test-${randomUUID()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dmp-documents-binary-'));
  const establishmentActor = anEstablishment().withCategory(EstablishmentCategory.HOSPITAL).build();
  const establishment: Establishment = { finess: establishmentActor.finess, kind: establishmentActor.kind, category: establishmentActor.category };
  const author = (({ rpps, profession }) => ({ rpps, profession }))(aProfessional().build());

  beforeAll(async () => {
    const config = await testConfig(DocumentsConfig, { DOCUMENTS_BLOB_STORE: 'files', DOCUMENTS_BLOB_DIR: dir, DOCUMENTS_PARK_SWEEP_INTERVAL_MS: '0', DOCUMENTS_CONSUMER_GROUP: group });
    sut = await startTestApp(AppModule.forRoot(config), config);
    db = sut.app.get(DataSource);
    producer = await EventProducer.connect();
    raw = kafka().producer();
    await raw.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await raw?.disconnect();
    await sut?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sendBinary(submission: ReturnType<typeof aSubmission>, bodies: Buffer[]): Promise<void> {
    const value = encodeBinarySubmission(submissionEvent(submission) as EventEnvelope<DocumentSubmissionPayload>, bodies);
    await raw.send({ topic: Topics.DOCUMENT_SUBMISSIONS, messages: [{ key: establishment.finess, value }] });
  }

  it('files the raw bodies that follow the header, rejects a bad document alone, and serves the bodies verified', async () => {
    const ins = anIns();
    await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
    await waitFor(async () => (await recordStatus(db, ins)) === 'open', { timeoutMs: 90_000, message: 'record open' });
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200 * 1024)]);
    const text = Buffer.from(`Compte rendu ${randomUUID()}`);
    const good = binaryDocument(aDocument(ins, author, { format: DocumentFormat.PDF }), pdf);
    const second = binaryDocument(aDocument(ins, author), text);
    const badHash = { ...binaryDocument(aDocument(ins, author), text), sha256: 'f'.repeat(64) };
    const submission = aSubmission(establishment, [good, badHash, second]);
    await sendBinary(submission, [pdf, text, text]);

    const results = await waitFor(
      async () => (await outboxEvents<DocumentSubmissionResultsPayload>(db, Topics.DOCUMENT_SUBMISSION_RESULTS)).find((e) => e.payload.payload.submissionId === submission.submissionId)?.payload.payload,
      { timeoutMs: 90_000, message: 'submission results' },
    );
    expect(results.results.map((r) => r.outcome)).toEqual([SubmissionOutcome.ACCEPTED, SubmissionOutcome.REJECTED, SubmissionOutcome.ACCEPTED]);
    expect(results.results[1].reasons.join()).toMatch(/documents\.1\.sha256: does not match the body/);
    const hash = String(good['sha256']);
    expect(existsSync(join(dir, hash.slice(0, 2), hash.slice(2, 4), hash))).toBe(true);

    const patient = tokenFor(aPatient().withIns(ins));
    for (const [document, body] of [[good, pdf], [second, text]] as const) {
      const read = await http<{ bodyBase64: string; sha256: string }>('GET', `${sut.url}/patients/${ins}/documents/${String(document['documentId'])}`, patient);
      expect(read.status).toBe(200);
      expect(Buffer.from(read.body.bodyBase64, 'base64').equals(body)).toBe(true);
    }
  });

  it('sends a message whose framing is wrong to the dead-letter topic with the reason, and goes on consuming', async () => {
    const ins = anIns();
    await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
    const body = Buffer.from(`Compte rendu ${randomUUID()}`);
    const truncated = encodeBinarySubmission(submissionEvent(aSubmission(establishment, [binaryDocument(aDocument(ins, author), body)])) as EventEnvelope<DocumentSubmissionPayload>, [body]).subarray(0, -3);
    await raw.send({ topic: Topics.DOCUMENT_SUBMISSIONS, messages: [{ key: establishment.finess, value: truncated }] });
    const after = aSubmission(establishment, [binaryDocument(aDocument(ins, author), body)]);
    await sendBinary(after, [body]);

    await waitFor(async () => (await db.query('SELECT 1 FROM documents WHERE submission_id = $1', [after.submissionId])).length === 1, { timeoutMs: 90_000, message: 'the next submission filed' });
    const letters = await waitFor(
      async () => {
        const mine = (await readDeadLetters(kafka())).filter((l) => l.consumerGroup === group && l.originalTopic === Topics.DOCUMENT_SUBMISSIONS);
        return mine.length > 0 ? mine : undefined;
      },
      { timeoutMs: 90_000, message: 'dead letter' },
    );
    expect(letters).toHaveLength(1);
    expect(letters[0].reason).toMatch(/binary submission: body of document 0 \(\d+ bytes\) runs past the end of the message/);
  });
});
