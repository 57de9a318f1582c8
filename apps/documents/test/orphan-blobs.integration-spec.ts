import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DataSource } from 'typeorm';
import { SubmissionOutcome, Topics } from '@dmp/contracts';
import { TestApp, aPatient, aProfessional, anEstablishment, anIns, reseedBuilders, startTestApp, testConfig, tokenFor, waitFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { OrphanBlobSweeper } from '../src/blobs/orphan-blob-sweeper.service';
import { DocumentsConfig } from '../src/config';
import { SubmissionAnswer } from '../src/submissions/submission-pipeline.service';
import { EventProducer, aDocument, aSubmission, http, recordOpened, recordStatus, sha256 } from './documents-test-kit';

// Every test app consumes every event of the shared broker (own consumer group): identifiers
// from a seed of this file only, so that another file's events never touch this file's patients.
reseedBuilders(707);

// The crash test's 10,000 submissions run at the same time and every test app consumes them too.
jest.setTimeout(180_000);

describe(OrphanBlobSweeper.name, () => {
  let app: TestApp;
  let producer: EventProducer;
  let db: DataSource;
  let sut: OrphanBlobSweeper;
  const dir = mkdtempSync(join(tmpdir(), 'dmp-documents-orphans-'));
  const establishmentActor = anEstablishment().build();
  const establishment = { finess: establishmentActor.finess, kind: establishmentActor.kind, category: establishmentActor.category };
  const author = (({ rpps, profession }) => ({ rpps, profession }))(aProfessional().build());
  const pathOf = (hash: string): string => join(dir, hash.slice(0, 2), hash.slice(2, 4), hash);
  const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);

  beforeAll(async () => {
    const config = await testConfig(DocumentsConfig, {
      DOCUMENTS_BLOB_STORE: 'files',
      DOCUMENTS_BLOB_DIR: dir,
      DOCUMENTS_BLOB_SWEEP_INTERVAL_MS: '0',
      DOCUMENTS_BLOB_ORPHAN_MIN_AGE_MS: String(3600 * 1000),
      DOCUMENTS_PARK_SWEEP_INTERVAL_MS: '0',
      DOCUMENTS_CONSUMER_GROUP: `dmp-documents-test-${randomUUID()}`,
    });
    app = await startTestApp(AppModule.forRoot(config), config);
    db = app.app.get(DataSource);
    sut = app.app.get(OrphanBlobSweeper);
    producer = await EventProducer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a file as a crashed batch would have left it, aged two hours unless `fresh`. */
  function leaveFile(path: string, content: Buffer, fresh = false): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    if (!fresh) utimesSync(path, twoHoursAgo, twoHoursAgo);
  }

  it('removes old bodies no document uses and abandoned temporary files, keeps filed, parked and recent ones', async () => {
    const ins = anIns();
    await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
    await waitFor(async () => (await recordStatus(db, ins)) === 'open', { timeoutMs: 90_000, message: 'record open' });
    const filed = aDocument(ins, author);
    const parked = aDocument(anIns(), author);
    const token = tokenFor(establishmentActor);
    const answers = await http<SubmissionAnswer>('POST', `${app.url}/submissions`, token, aSubmission(establishment, [filed, parked]));
    expect(answers.body.results.map((r) => r.outcome)).toEqual([SubmissionOutcome.ACCEPTED, SubmissionOutcome.PARKED]);
    for (const document of [filed, parked]) utimesSync(pathOf(String(document['sha256'])), twoHoursAgo, twoHoursAgo);

    const orphan = Buffer.from(`orphan ${randomUUID()}`);
    const recent = Buffer.from(`recent ${randomUUID()}`);
    leaveFile(pathOf(sha256(orphan)), orphan);
    leaveFile(pathOf(sha256(recent)), recent, true);
    const temporary = `${pathOf(sha256(orphan))}.4242.7.tmp`;
    leaveFile(temporary, orphan.subarray(0, 3));

    const buckets = new Set([filed, parked].map((d) => String(d['sha256']).slice(0, 2)).concat(sha256(orphan).slice(0, 2), sha256(recent).slice(0, 2)));
    let removed = 0;
    for (const bucket of buckets) removed += await sut.sweep(parseInt(bucket, 16));

    expect(removed).toBe(2);
    expect(existsSync(pathOf(sha256(orphan)))).toBe(false);
    expect(existsSync(temporary)).toBe(false);
    expect(existsSync(pathOf(sha256(recent)))).toBe(true);
    expect(existsSync(pathOf(String(parked['sha256'])))).toBe(true);
    const read = await http<{ bodyBase64: string }>('GET', `${app.url}/patients/${ins}/documents/${String(filed['documentId'])}`, tokenFor(aPatient().withIns(ins)));
    expect(read.body.bodyBase64).toBe(filed['bodyBase64']);
  });
});
