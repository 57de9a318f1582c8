import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SubmissionOutcome, Topics } from '@dmp/contracts';
import { TestApp, aPatient, aProfessional, anEstablishment, anIns, reseedBuilders, startTestApp, testConfig, tokenFor, waitFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { OrphanBlobSweeper } from '../src/blobs/orphan-blob-sweeper.service';
import { PackBlobStore } from '../src/blobs/pack-blob-store';
import { DocumentsConfig } from '../src/config';
import { SubmissionAnswer } from '../src/submissions/submission-pipeline.service';
import { EventProducer, aDocument, aSubmission, http, recordOpened, recordStatus } from './documents-test-kit';

// Every test app consumes every event of the shared broker (own consumer group): identifiers
// from a seed of this file only, so that another file's events never touch this file's patients.
reseedBuilders(808);

// The crash test's 10,000 submissions run at the same time and every test app consumes them too.
jest.setTimeout(180_000);

describe('documents with the packs blob store', () => {
  let app: TestApp;
  let producer: EventProducer;
  let db: DataSource;
  const dir = mkdtempSync(join(tmpdir(), 'dmp-documents-packs-'));
  const establishmentActor = anEstablishment().build();
  const establishment = { finess: establishmentActor.finess, kind: establishmentActor.kind, category: establishmentActor.category };
  const author = (({ rpps, profession }) => ({ rpps, profession }))(aProfessional().build());
  const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);

  beforeAll(async () => {
    const config = await testConfig(DocumentsConfig, {
      DOCUMENTS_BLOB_STORE: 'packs',
      DOCUMENTS_BLOB_DIR: dir,
      DOCUMENTS_BLOB_SWEEP_INTERVAL_MS: '0',
      DOCUMENTS_BLOB_ORPHAN_MIN_AGE_MS: String(3600 * 1000),
      DOCUMENTS_PARK_SWEEP_INTERVAL_MS: '0',
      DOCUMENTS_CONSUMER_GROUP: `dmp-documents-test-${randomUUID()}`,
    });
    app = await startTestApp(AppModule.forRoot(config), config);
    db = app.app.get(DataSource);
    producer = await EventProducer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function locationOf(sha256: unknown): Promise<{ pack: string; pack_offset: string; length: number } | undefined> {
    const rows: Array<{ pack: string; pack_offset: string; length: number }> = await db.query('SELECT pack, pack_offset, length FROM document_blob_locations WHERE sha256 = $1', [sha256]);
    return rows[0];
  }

  async function openRecord(): Promise<string> {
    const ins = anIns();
    await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
    await waitFor(async () => (await recordStatus(db, ins)) === 'open', { timeoutMs: 90_000, message: 'record open' });
    return ins;
  }

  it('writes a batch of bodies to one pack, serves each verified, zeroes a deleted one and refuses a tampered one', async () => {
    const ins = await openRecord();
    const documents = [aDocument(ins as never, author), aDocument(ins as never, author), aDocument(ins as never, author)];
    const answer = await http<SubmissionAnswer>('POST', `${app.url}/submissions`, tokenFor(establishmentActor), aSubmission(establishment, documents));
    expect(answer.body.results.map((r) => r.outcome)).toEqual([SubmissionOutcome.ACCEPTED, SubmissionOutcome.ACCEPTED, SubmissionOutcome.ACCEPTED]);
    const locations = await Promise.all(documents.map((d) => locationOf(d['sha256'])));
    expect(new Set(locations.map((l) => l?.pack)).size).toBe(1);
    const pack = join(dir, String(locations[0]?.pack));
    expect(await db.query('SELECT 1 FROM document_blobs WHERE sha256 = $1', [documents[0]['sha256']])).toEqual([]);

    const patient = tokenFor(aPatient().withIns(ins as never));
    const url = (d: Record<string, unknown>): string => `${app.url}/patients/${ins}/documents/${String(d['documentId'])}`;
    for (const document of documents) expect((await http<{ bodyBase64: string }>('GET', url(document), patient)).body.bodyBase64).toBe(document['bodyBase64']);

    expect((await http('DELETE', url(documents[0]), patient)).status).toBe(200);
    expect(await locationOf(documents[0]['sha256'])).toBeUndefined();
    const first = locations[0]!;
    const bytes = readFileSync(pack).subarray(Number(first.pack_offset), Number(first.pack_offset) + first.length);
    expect(bytes.equals(Buffer.alloc(first.length))).toBe(true);
    expect((await http<{ bodyBase64: string }>('GET', url(documents[1]), patient)).body.bodyBase64).toBe(documents[1]['bodyBase64']);

    const third = locations[2]!;
    const tampered = readFileSync(pack);
    tampered[Number(third.pack_offset)] ^= 0xff;
    writeFileSync(pack, tampered);
    const refused = await http<{ code: string }>('GET', url(documents[2]), patient);
    expect(refused.status).toBe(500);
    expect(refused.body.code).toBe('BLOB_INTEGRITY_ERROR');
  });

  it('sweeps old packs that hold no body in use (never committed, or all deleted), and keeps the others', async () => {
    const ins = await openRecord();
    const kept = aDocument(ins as never, author);
    const gone = aDocument(ins as never, author);
    const token = tokenFor(establishmentActor);
    await http<SubmissionAnswer>('POST', `${app.url}/submissions`, token, aSubmission(establishment, [kept]));
    await http<SubmissionAnswer>('POST', `${app.url}/submissions`, token, aSubmission(establishment, [gone]));
    const keptPack = join(dir, String((await locationOf(kept['sha256']))?.pack));
    const gonePack = join(dir, String((await locationOf(gone['sha256']))?.pack));
    expect(keptPack).not.toBe(gonePack);
    expect((await http('DELETE', `${app.url}/patients/${ins}/documents/${String(gone['documentId'])}`, tokenFor(aPatient().withIns(ins as never)))).status).toBe(200);

    const leavePack = (content: string): string => {
      const id = randomUUID();
      mkdirSync(join(dir, 'packs', id.slice(0, 2)), { recursive: true });
      const path = join(dir, 'packs', id.slice(0, 2), `${id}.pack`);
      writeFileSync(path, content);
      return path;
    };
    const neverCommitted = leavePack('never committed');
    const stillCommitting = leavePack('still committing');
    for (const path of [neverCommitted, keptPack, gonePack]) utimesSync(path, twoHoursAgo, twoHoursAgo);

    const sut = app.app.get(OrphanBlobSweeper);
    let removed = 0;
    for (let bucket = 0; bucket < 256; bucket++) removed += await sut.sweep(bucket);
    expect(removed).toBe(2);
    expect(existsSync(neverCommitted)).toBe(false);
    expect(existsSync(gonePack)).toBe(false);
    expect(existsSync(stillCommitting)).toBe(true);
    expect(existsSync(keptPack)).toBe(true);
    const read = await http<{ bodyBase64: string }>('GET', `${app.url}/patients/${ins}/documents/${String(kept['documentId'])}`, tokenFor(aPatient().withIns(ins as never)));
    expect(read.body.bodyBase64).toBe(kept['bodyBase64']);
  });

  describe('writing a pack alongside the transaction\'s other statements', () => {
    const blobsOf = (count: number): Array<{ sha256: string; body: Buffer }> =>
      Array.from({ length: count }, () => {
        const body = randomBytes(4 * 1024 * 1024);
        return { sha256: createHash('sha256').update(body).digest('hex'), body };
      });
    const packsUnder = (root: string): string[] =>
      existsSync(join(root, 'packs')) ? readdirSync(join(root, 'packs')).flatMap((bucket) => readdirSync(join(root, 'packs', bucket)).map((name) => join(root, 'packs', bucket, name))) : [];

    it('runs the other statements once, and indexes every body at its offset once the pack is written', async () => {
      const root = mkdtempSync(join(tmpdir(), 'dmp-documents-packs-alongside-'));
      const sut = new PackBlobStore(root);
      const blobs = blobsOf(3);
      let alongside = 0;

      await db.transaction((manager) => sut.put(manager, blobs, async () => void (alongside += (await manager.query('SELECT 1 AS one')).length)));

      expect(alongside).toBe(1);
      const [pack] = packsUnder(root);
      const bytes = readFileSync(pack);
      for (const blob of blobs) {
        const location = await locationOf(blob.sha256);
        const at = Number(location?.pack_offset);
        expect(createHash('sha256').update(bytes.subarray(at, at + Number(location?.length))).digest('hex')).toBe(blob.sha256);
      }
      rmSync(root, { recursive: true, force: true });
    });

    it('fails with the other statements\' error only after the pack is written, and indexes nothing', async () => {
      const root = mkdtempSync(join(tmpdir(), 'dmp-documents-packs-alongside-'));
      const sut = new PackBlobStore(root);
      const blobs = blobsOf(4);

      await expect(
        db.transaction((manager) =>
          sut.put(manager, blobs, async () => {
            throw new Error('statement failed');
          }),
        ),
      ).rejects.toThrow('statement failed');

      // The write had ended when put settled: the (unindexed) pack holds every byte.
      const packs = packsUnder(root);
      expect(packs).toHaveLength(1);
      expect(statSync(packs[0]).size).toBeGreaterThanOrEqual(blobs.reduce((sum, b) => sum + b.body.length, 0));
      expect(await Promise.all(blobs.map((b) => locationOf(b.sha256)))).toEqual(blobs.map(() => undefined));
      rmSync(root, { recursive: true, force: true });
    });
  });
});
