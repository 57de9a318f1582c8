import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SubmissionOutcome, Topics } from '@dmp/contracts';
import { TestApp, aPatient, aProfessional, anEstablishment, anIns, startTestApp, testConfig, tokenFor, waitFor, reseedBuilders } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { DocumentsConfig } from '../src/config';
import { SubmissionAnswer } from '../src/submissions/submission-pipeline.service';
import { EventProducer, aDocument, aSubmission, http, recordOpened, recordStatus } from './documents-test-kit';

// Every test app consumes every event of the shared broker (own consumer group): identifiers
// from a seed of this file only, so that another file's events never touch this file's patients.
reseedBuilders(303);

// The crash test's 10,000 submissions run at the same time and every test app consumes them too.
jest.setTimeout(180_000);

describe('documents with the local files blob store', () => {
  let sut: TestApp;
  let producer: EventProducer;
  let db: DataSource;
  const dir = mkdtempSync(join(tmpdir(), 'dmp-documents-blobs-'));
  const establishment = anEstablishment().build();
  const author = (({ rpps, profession }) => ({ rpps, profession }))(aProfessional().build());

  beforeAll(async () => {
    const config = await testConfig(DocumentsConfig, { DOCUMENTS_BLOB_STORE: 'files', DOCUMENTS_BLOB_DIR: dir, DOCUMENTS_PARK_SWEEP_INTERVAL_MS: '0', DOCUMENTS_CONSUMER_GROUP: `dmp-documents-test-${randomUUID()}` });
    sut = await startTestApp(AppModule.forRoot(config), config);
    db = sut.app.get(DataSource);
    producer = await EventProducer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await sut?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps bodies as files addressed by their hash, serves them verified and refuses a tampered one', async () => {
    const ins = anIns();
    await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
    await waitFor(async () => (await recordStatus(db, ins)) === 'open', { timeoutMs: 90_000, message: 'record open' });
    const document = aDocument(ins, author);
    const answer = await http<SubmissionAnswer>('POST', `${sut.url}/submissions`, tokenFor(establishment), aSubmission({ finess: establishment.finess, kind: establishment.kind, category: establishment.category }, [document]));
    expect(answer.body.results[0].outcome).toBe(SubmissionOutcome.ACCEPTED);
    const hash = String(document['sha256']);
    const path = join(dir, hash.slice(0, 2), hash.slice(2, 4), hash);
    expect(readFileSync(path).toString('base64')).toBe(document['bodyBase64']);
    expect(await db.query('SELECT 1 FROM document_blobs WHERE sha256 = $1', [hash])).toEqual([]);

    const url = `${sut.url}/patients/${ins}/documents/${String(document['documentId'])}`;
    const patient = tokenFor(aPatient().withIns(ins));
    expect((await http<{ bodyBase64: string }>('GET', url, patient)).body.bodyBase64).toBe(document['bodyBase64']);
    writeFileSync(path, 'tampered');
    const tampered = await http<{ code: string }>('GET', url, patient);
    expect(tampered.status).toBe(500);
    expect(tampered.body.code).toBe('BLOB_INTEGRITY_ERROR');
  });

  it('deletes the file of a deleted document, and keeps the metadata', async () => {
    const ins = anIns();
    await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
    await waitFor(async () => (await recordStatus(db, ins)) === 'open', { timeoutMs: 90_000, message: 'record open' });
    const document = aDocument(ins, author);
    await http<SubmissionAnswer>('POST', `${sut.url}/submissions`, tokenFor(establishment), aSubmission({ finess: establishment.finess, kind: establishment.kind, category: establishment.category }, [document]));
    const hash = String(document['sha256']);
    const path = join(dir, hash.slice(0, 2), hash.slice(2, 4), hash);
    expect(existsSync(path)).toBe(true);
    const url = `${sut.url}/patients/${ins}/documents/${String(document['documentId'])}`;
    expect((await http('DELETE', url, tokenFor(aPatient().withIns(ins)))).status).toBe(200);
    expect(existsSync(path)).toBe(false);
    expect(await db.query('SELECT status FROM documents WHERE document_id = $1', [document['documentId']])).toEqual([{ status: 'deleted' }]);
  });
});
