import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DocumentSubmissionResultsPayload, SubmissionOutcome, Topics } from '@dmp/contracts';
import { DocumentFormat, DocumentType, EstablishmentCategory, EstablishmentKind, Ins } from '@dmp/domain';
import { TestApp, aProfessional, anEstablishment, anIns, startTestApp, testConfig, tokenFor, waitFor, reseedBuilders } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { DocumentsConfig } from '../src/config';
import { ParkedSweeper } from '../src/records/parked-sweeper.service';
import { SubmissionAnswer } from '../src/submissions/submission-pipeline.service';
import { EventProducer, Establishment, aDocument, aSubmission, http, outboxEvents, recordClosed, recordOpened, recordStatus, sha256 } from './documents-test-kit';

const INLINE_LIMIT = 64 * 1024;

// Every test app consumes every event of the shared broker (own consumer group): identifiers
// from a seed of this file only, so that another file's events never touch this file's patients.
reseedBuilders(101);

// The crash test's 10,000 submissions run at the same time and every test app consumes them too.
jest.setTimeout(180_000);

describe('documents submissions', () => {
  let sut: TestApp;
  let producer: EventProducer;
  let db: DataSource;
  const establishmentActor = anEstablishment().withCategory(EstablishmentCategory.CHU).build();
  const establishment: Establishment = { finess: establishmentActor.finess, kind: establishmentActor.kind, category: establishmentActor.category };
  const establishmentToken = tokenFor(establishmentActor);
  const author = (({ rpps, profession }) => ({ rpps, profession }))(aProfessional().build());

  beforeAll(async () => {
    const config = await testConfig(DocumentsConfig, { DOCUMENTS_MAX_INLINE_BYTES: String(INLINE_LIMIT), DOCUMENTS_PARK_SWEEP_INTERVAL_MS: '0', DOCUMENTS_CONSUMER_GROUP: `dmp-documents-test-${randomUUID()}` });
    sut = await startTestApp(AppModule.forRoot(config), config, { bodyLimit: '2mb' });
    db = sut.app.get(DataSource);
    producer = await EventProducer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await sut?.stop();
  });

  async function openRecord(ins: Ins): Promise<void> {
    await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
    await waitFor(async () => (await recordStatus(db, ins)) === 'open', { timeoutMs: 90_000, message: `record ${ins} open` });
  }

  async function submitHttp(documents: unknown[], target = establishment): Promise<{ status: number; body: SubmissionAnswer }> {
    return http<SubmissionAnswer>('POST', `${sut.url}/submissions`, establishmentToken, aSubmission(target, documents));
  }

  async function resultsOf(submissionId: string, count = 1): Promise<DocumentSubmissionResultsPayload[]> {
    return waitFor(
      async () => {
        const events = await outboxEvents<DocumentSubmissionResultsPayload>(db, Topics.DOCUMENT_SUBMISSION_RESULTS);
        const mine = events.filter((e) => e.payload.payload.submissionId === submissionId).map((e) => e.payload.payload);
        return mine.length >= count ? mine : undefined;
      },
      { timeoutMs: 90_000, message: `results of ${submissionId}` },
    );
  }

  async function storedVersions(documentId: string): Promise<Array<{ version: number; status: string; current_id: string | null; sha256: string }>> {
    return db.query('SELECT version, status, current_id, sha256 FROM documents WHERE document_id = $1 ORDER BY version', [documentId]);
  }

  describe('the Kafka way in', () => {
    it('files each valid document, answers on the results topic and publishes document-added', async () => {
      const ins = anIns();
      await openRecord(ins);
      const good = aDocument(ins, author);
      const submission = aSubmission(establishment, [good]);
      await producer.submit(submission);
      const [results] = await resultsOf(submission.submissionId);
      expect(results.results).toEqual([{ index: 0, documentId: good['documentId'], outcome: SubmissionOutcome.ACCEPTED, reasons: [] }]);
      expect(await storedVersions(String(good['documentId']))).toEqual([{ version: 1, status: 'active', current_id: good['documentId'], sha256: good['sha256'] }]);
      const added = (await outboxEvents(db, Topics.DOCUMENT_ADDED)).filter((e) => e.payload.payload['documentId'] === good['documentId']);
      expect(added).toHaveLength(1);
      expect(added[0].key).toBe(ins);
      expect(added[0].payload.payload).toMatchObject({ ins, version: 1, sourceCategory: 'establishment-health', establishment, addedBy: { role: 'establishment', id: establishment.finess } });
    });

    it('rejects one bad document alone and files the others of its submission', async () => {
      const ins = anIns();
      await openRecord(ins);
      const good = aDocument(ins, author);
      const bad = aDocument(ins, author, { sha256: 'f'.repeat(64) });
      const submission = aSubmission(establishment, [good, bad, aDocument(anIns(), author, { title: '' })]);
      await producer.submit(submission);
      const [results] = await resultsOf(submission.submissionId);
      expect(results.results.map((r) => r.outcome)).toEqual([SubmissionOutcome.ACCEPTED, SubmissionOutcome.REJECTED, SubmissionOutcome.REJECTED]);
      expect(results.results[1].reasons.join()).toMatch(/documents\.1\.sha256: does not match the body/);
      const rejected = (await outboxEvents(db, Topics.DOCUMENT_REJECTED)).filter((e) => e.payload.payload['submissionId'] === submission.submissionId);
      expect(rejected).toHaveLength(2);
      expect(rejected[0].payload.payload).toMatchObject({ ins, documentId: bad['documentId'], sourceCategory: 'establishment-health', establishmentFiness: establishment.finess });
    });

    it('files a document that arrives before its record opening once the opening arrives', async () => {
      const ins = anIns();
      const early = aDocument(ins, author);
      const submission = aSubmission(establishment, [early]);
      await producer.submit(submission);
      const [parked] = await resultsOf(submission.submissionId);
      expect(parked.results[0]).toMatchObject({ outcome: SubmissionOutcome.PARKED });
      expect(await storedVersions(String(early['documentId']))).toEqual([]);
      await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
      const answers = await resultsOf(submission.submissionId, 2);
      expect(answers[1].results).toEqual([{ index: 0, documentId: early['documentId'], outcome: SubmissionOutcome.ACCEPTED, reasons: [] }]);
      expect(await storedVersions(String(early['documentId']))).toHaveLength(1);
      expect(await db.query('SELECT 1 FROM parked_documents WHERE document_id = $1', [early['documentId']])).toEqual([]);
    });

    it('rejects a parked document whose record does not open within the bounded wait', async () => {
      const ins = anIns();
      const early = aDocument(ins, author);
      const submission = aSubmission(establishment, [early]);
      await producer.submit(submission);
      await resultsOf(submission.submissionId);
      // The wait is over: as if DOCUMENTS_PARK_MAX_WAIT_MS had passed.
      await db.query(`UPDATE parked_documents SET deadline = now() - interval '1 second' WHERE document_id = $1`, [early['documentId']]);
      expect(await sut.app.get(ParkedSweeper).sweep()).toBeGreaterThanOrEqual(1);
      const answers = await resultsOf(submission.submissionId, 2);
      expect(answers[1].results[0]).toMatchObject({ outcome: SubmissionOutcome.REJECTED });
      expect(answers[1].results[0].reasons.join()).toMatch(/no open DMP for this patient/);
      expect(await storedVersions(String(early['documentId']))).toEqual([]);
    });

    it('rejects a parked document when the record turns out closed', async () => {
      const ins = anIns();
      const early = aDocument(ins, author);
      const submission = aSubmission(establishment, [early]);
      await producer.submit(submission);
      await resultsOf(submission.submissionId);
      await producer.publish(Topics.RECORD_CLOSED, [recordClosed(ins)]);
      const answers = await resultsOf(submission.submissionId, 2);
      expect(answers[1].results[0]).toMatchObject({ outcome: SubmissionOutcome.REJECTED, reasons: ["ins: the patient's DMP is closed"] });
    });
  });

  describe('the HTTP way in', () => {
    it('answers document by document in the response', async () => {
      const ins = anIns();
      await openRecord(ins);
      const good = aDocument(ins, author);
      const response = await submitHttp([good, aDocument(ins, author, { type: 'x-unknown' })]);
      expect(response.status).toBe(200);
      expect(response.body.results.map((r) => r.outcome)).toEqual([SubmissionOutcome.ACCEPTED, SubmissionOutcome.REJECTED]);
      expect(response.body.results[1].reasons.join()).toMatch(/documents\.1\.type/);
      expect(await storedVersions(String(good['documentId']))).toHaveLength(1);
    });

    it('accepts large bodies as multipart uploads', async () => {
      const ins = anIns();
      await openRecord(ins);
      const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(INLINE_LIMIT * 2, 7)]);
      const { bodyBase64: _omitted, ...metadata } = aDocument(ins, author, { format: DocumentFormat.PDF, sha256: sha256(body), sizeBytes: body.length }, body);
      void _omitted;
      const form = new FormData();
      form.set('submission', JSON.stringify(aSubmission(establishment, [metadata])));
      form.set('document.0', new Blob([body]), 'report.pdf');
      const response = await fetch(`${sut.url}/submissions/multipart`, { method: 'POST', headers: { authorization: `Bearer ${establishmentToken}` }, body: form });
      const answer = (await response.json()) as SubmissionAnswer;
      expect(response.status).toBe(200);
      expect(answer.results[0]).toMatchObject({ outcome: SubmissionOutcome.ACCEPTED });
      const [{ size }] = await db.query('SELECT octet_length(b.body) AS size FROM documents d JOIN document_blobs b USING (sha256) WHERE d.document_id = $1', [metadata['documentId']]);
      expect(size).toBe(body.length);
    });

    it('refuses a submission for another establishment than the caller', async () => {
      const other = anEstablishment().build();
      const response = await submitHttp([aDocument(anIns(), author)], { finess: other.finess, kind: other.kind, category: other.category });
      expect(response.status).toBe(403);
    });

    it('answers 400 naming the field for a malformed submission', async () => {
      const response = await http<{ errors: Array<{ field: string }> }>('POST', `${sut.url}/submissions`, establishmentToken, { establishment, documents: [] });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['submissionId', 'documents']));
    });

    it('refuses another role than establishment', async () => {
      const response = await http('POST', `${sut.url}/submissions`, tokenFor(aProfessional()), aSubmission(establishment, [aDocument(anIns(), author)]));
      expect(response.status).toBe(403);
    });
  });

  describe('validation', () => {
    const cda = (root: string): Buffer => Buffer.from(`<?xml version="1.0"?><${root} xmlns="urn:hl7-org:v3"><title>CR</title></${root}>`);
    const cases: Array<[string, (ins: Ins) => unknown, RegExp]> = [
      ['an INS with a wrong key', (ins) => aDocument(`${ins.slice(0, 13)}${ins.slice(13) === '00' ? '01' : '00'}` as Ins, author), /documents\.0\.ins: .*key/],
      ['an RPPS with a wrong check digit', (ins) => aDocument(ins, { rpps: `${author.rpps.slice(0, 10)}${(Number(author.rpps[10]) + 1) % 10}`, profession: author.profession } as never), /documents\.0\.author\.rpps/],
      ['an unknown profession', (ins) => aDocument(ins, { rpps: author.rpps, profession: 'wizard' } as never), /documents\.0\.author\.profession/],
      ['a type outside the code list', (ins) => aDocument(ins, author, { type: '99999-9' }), /documents\.0\.type/],
      ['a type only patients may add', (ins) => aDocument(ins, author, { type: DocumentType.PATIENT_ADDED }), /documents\.0\.type: patient-added/],
      ['an unknown format', (ins) => aDocument(ins, author, { format: 'docx' }), /documents\.0\.format/],
      ['a PDF without the magic number', (ins) => aDocument(ins, author, { format: DocumentFormat.PDF }), /documents\.0\.format: body is not a PDF/],
      ['a CDA that is not well-formed', (ins) => { const body = Buffer.from('<ClinicalDocument><title></ClinicalDocument>'); return aDocument(ins, author, { format: DocumentFormat.CDA_R2 }, body); }, /not well-formed XML/],
      ['a CDA whose root is not ClinicalDocument', (ins) => aDocument(ins, author, { format: DocumentFormat.CDA_R2 }, cda('Report')), /root element is Report/],
      ['text that is not UTF-8', (ins) => aDocument(ins, author, {}, Buffer.from([0x41, 0xc3, 0x28])), /not valid UTF-8/],
      ['an authoring date in the future', (ins) => aDocument(ins, author, { authoredAt: '2099-01-01T00:00:00.000Z' }), /authoredAt: is in the future/],
      ['an authoring date without a time zone', (ins) => aDocument(ins, author, { authoredAt: '2026-11-20T10:00:00' }), /documents\.0\.authoredAt/],
      ['a stay that ends before it starts', (ins) => aDocument(ins, author, { serviceStart: '2026-11-20', serviceEnd: '2026-11-10' }), /serviceEnd: is before serviceStart/],
      ['an impossible date', (ins) => aDocument(ins, author, { serviceStart: '2026-02-30' }), /documents\.0\.serviceStart/],
      ['an empty title', (ins) => aDocument(ins, author, { title: '' }), /documents\.0\.title/],
      ['a document id with spaces', (ins) => aDocument(ins, author, { documentId: 'has spaces' }), /documents\.0\.documentId/],
      ['a hash that does not match the body', (ins) => aDocument(ins, author, { sha256: '0'.repeat(64) }), /sha256: does not match the body/],
      ['a malformed hash', (ins) => aDocument(ins, author, { sha256: 'XYZ' }), /documents\.0\.sha256: sha256 must be 64/],
      ['a size that does not match the body', (ins) => aDocument(ins, author, { sizeBytes: 3 }), /sizeBytes: declares 3 bytes/],
      ['a body over the inline limit', (ins) => aDocument(ins, author, {}, Buffer.alloc(INLINE_LIMIT + 10, 'a')), /exceeds the inline limit/],
      ['a body that is not base64', (ins) => aDocument(ins, author, { bodyBase64: '***' }), /bodyBase64/],
      ['visibility flags that are not booleans', (ins) => aDocument(ins, author, { visibility: { maskedFromProfessionals: 'yes', invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false } }), /visibility\.maskedFromProfessionals/],
    ];

    it.each(cases)('rejects %s with the field and the reason', async (_name, build, reason) => {
      const ins = anIns();
      const response = await submitHttp([build(ins)]);
      expect(response.status).toBe(200);
      expect(response.body.results[0].outcome).toBe(SubmissionOutcome.REJECTED);
      expect(response.body.results[0].reasons.join('\n')).toMatch(reason);
    });

    it('refuses with 400 a submission whose documents are not all objects', async () => {
      const response = await http<{ errors: Array<{ field: string }> }>('POST', `${sut.url}/submissions`, establishmentToken, aSubmission(establishment, [42]));
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e) => e.field)).toContain('documents');
    });

    it('rejects every document of a submission whose establishment kind does not match its category', async () => {
      const ins = anIns();
      const response = await submitHttp([aDocument(ins, author)], { ...establishment, category: EstablishmentCategory.EHPAD, kind: EstablishmentKind.HEALTH });
      expect(response.status).toBe(200);
      expect(response.body.submissionRejectedReason).toMatch(/ehpad is a medico-social establishment/);
      expect(response.body.results[0].outcome).toBe(SubmissionOutcome.REJECTED);
    });
  });

  describe('idempotency and replacement', () => {
    it('answers duplicate for the same id and hash and stores nothing more', async () => {
      const ins = anIns();
      await openRecord(ins);
      const document = aDocument(ins, author);
      expect((await submitHttp([document])).body.results[0].outcome).toBe(SubmissionOutcome.ACCEPTED);
      const again = await submitHttp([document]);
      expect(again.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.DUPLICATE });
      expect(await storedVersions(String(document['documentId']))).toHaveLength(1);
      const added = (await outboxEvents(db, Topics.DOCUMENT_ADDED)).filter((e) => e.payload.payload['documentId'] === document['documentId']);
      expect(added).toHaveLength(1);
    });

    it('refuses the same id with another hash unless it is declared as a replacement', async () => {
      const ins = anIns();
      await openRecord(ins);
      const first = aDocument(ins, author);
      await submitHttp([first]);
      const body = Buffer.from('Compte rendu corrigé');
      const changed = aDocument(ins, author, { documentId: first['documentId'] }, body);
      const refused = await submitHttp([changed]);
      expect(refused.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.REJECTED });
      expect(refused.body.results[0].reasons.join()).toMatch(/already exists with another sha256/);

      const replacement = await submitHttp([{ ...changed, replaces: first['documentId'] }]);
      expect(replacement.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.ACCEPTED });
      expect(await storedVersions(String(first['documentId']))).toEqual([
        { version: 1, status: 'deprecated', current_id: null, sha256: first['sha256'] },
        { version: 2, status: 'active', current_id: first['documentId'], sha256: sha256(body) },
      ]);
      const replaced = (await outboxEvents(db, Topics.DOCUMENT_REPLACED)).filter((e) => e.payload.payload['documentId'] === first['documentId']);
      expect(replaced.map((e) => e.payload.payload)).toEqual([expect.objectContaining({ replacedDocumentId: first['documentId'], version: 2, previousSha256: first['sha256'] })]);
    });

    it('replaces a document under a new id and keeps the old one as history', async () => {
      const ins = anIns();
      await openRecord(ins);
      const first = aDocument(ins, author);
      await submitHttp([first]);
      const second = aDocument(ins, author, { replaces: first['documentId'] });
      expect((await submitHttp([second])).body.results[0].outcome).toBe(SubmissionOutcome.ACCEPTED);
      expect(await storedVersions(String(first['documentId']))).toEqual([{ version: 1, status: 'deprecated', current_id: null, sha256: first['sha256'] }]);
      expect(await storedVersions(String(second['documentId']))).toEqual([{ version: 2, status: 'active', current_id: second['documentId'], sha256: second['sha256'] }]);
    });

    it('refuses a replacement from another author of another establishment, with the reason, and keeps the document', async () => {
      const ins = anIns();
      await openRecord(ins);
      const first = aDocument(ins, author);
      await submitHttp([first]);
      const otherActor = anEstablishment().withCategory(EstablishmentCategory.CHU).build();
      const other: Establishment = { finess: otherActor.finess, kind: otherActor.kind, category: otherActor.category };
      const stranger = (({ rpps, profession }) => ({ rpps, profession }))(aProfessional().build());
      const response = await http<SubmissionAnswer>('POST', `${sut.url}/submissions`, tokenFor(otherActor), aSubmission(other, [aDocument(ins, stranger, { replaces: first['documentId'] })]));
      expect(response.body.results[0].outcome).toBe(SubmissionOutcome.REJECTED);
      expect(response.body.results[0].reasons.join()).toContain(
        `replaces: document ${String(first['documentId'])} was filed by another author (RPPS ${author.rpps}) and another establishment (FINESS ${establishment.finess})`,
      );
      expect(await storedVersions(String(first['documentId']))).toEqual([{ version: 1, status: 'active', current_id: first['documentId'], sha256: first['sha256'] }]);
    });

    it('accepts a replacement by the same establishment for another of its professionals, and by the same author from another establishment', async () => {
      const ins = anIns();
      await openRecord(ins);
      const first = aDocument(ins, author);
      await submitHttp([first]);
      const colleague = (({ rpps, profession }) => ({ rpps, profession }))(aProfessional().build());
      const second = aDocument(ins, colleague, { replaces: first['documentId'] });
      expect((await submitHttp([second])).body.results[0].outcome).toBe(SubmissionOutcome.ACCEPTED);
      const otherActor = anEstablishment().withCategory(EstablishmentCategory.CHU).build();
      const other: Establishment = { finess: otherActor.finess, kind: otherActor.kind, category: otherActor.category };
      const third = aDocument(ins, colleague, { replaces: second['documentId'] });
      const response = await http<SubmissionAnswer>('POST', `${sut.url}/submissions`, tokenFor(otherActor), aSubmission(other, [third]));
      expect(response.body.results[0].outcome).toBe(SubmissionOutcome.ACCEPTED);
      expect(await storedVersions(String(third['documentId']))).toEqual([{ version: 3, status: 'active', current_id: third['documentId'], sha256: third['sha256'] }]);
    });

    it('refuses a replacement of a document that does not exist', async () => {
      const ins = anIns();
      await openRecord(ins);
      const response = await submitHttp([aDocument(ins, author, { replaces: `missing-${randomUUID()}` })]);
      expect(response.body.results[0].reasons.join()).toMatch(/replaces: there is no current document/);
    });

    it('answers duplicate for the same document twice in one submission', async () => {
      const ins = anIns();
      await openRecord(ins);
      const document = aDocument(ins, author);
      const response = await submitHttp([document, document]);
      expect(response.body.results.map((r) => r.outcome)).toEqual([SubmissionOutcome.ACCEPTED, SubmissionOutcome.DUPLICATE]);
    });
  });

  describe('closed record', () => {
    it('rejects a document for a closed record', async () => {
      const ins = anIns();
      await openRecord(ins);
      await producer.publish(Topics.RECORD_CLOSED, [recordClosed(ins)]);
      await waitFor(async () => (await recordStatus(db, ins)) === 'closed', { timeoutMs: 90_000, message: 'record closed' });
      const response = await submitHttp([aDocument(ins, author)]);
      expect(response.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.REJECTED, reasons: ["ins: the patient's DMP is closed"] });
    });
  });
});
