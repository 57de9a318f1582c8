import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DocumentAddedPayload, DocumentRejectedPayload, DocumentReplacedPayload, EventEnvelope, ProfessionalBlockedEvent, SubmissionOutcome, Topics, createEvent } from '@dmp/contracts';
import { ActorRole, DocumentFormat, DocumentType, EstablishmentCategory, EstablishmentKind, Ins, Profession, Rpps } from '@dmp/domain';
import { TestApp, aLegalRepresentative, aPatient, aPharmacy, aProfessional, anEstablishment, anIns, reseedBuilders, startTestApp, testConfig, tokenFor, waitFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { DocumentsConfig } from '../src/config';
import { ParkedSweeper } from '../src/records/parked-sweeper.service';
import { ListPage } from '../src/reading/reading.service';
import { SubmissionAnswer } from '../src/submissions/submission-pipeline.service';
import { EventProducer, aDocument, aSubmission, http, outboxEvents, professionalAuthorised, recordClosed, recordOpened, recordStatus, representativeChanged, sha256 } from './documents-test-kit';

// Every test app consumes every event of the shared broker (own consumer group): identifiers
// from a seed of this file only, so that another file's events never touch this file's patients.
reseedBuilders(505);

// The crash test's 10,000 submissions run at the same time and every test app consumes them too.
jest.setTimeout(180_000);

interface ErrorBody {
  code: string;
  errors: Array<{ field: string; reason: string }>;
}

/** A document as the patient side sends it: no author, type and date optional. */
function aPatientDocument(ins: Ins, overrides: Record<string, unknown> = {}, body: Buffer = Buffer.from(`Mes notes ${randomUUID()}`)): Record<string, unknown> {
  return { documentId: `patient-${randomUUID()}`, ins, format: DocumentFormat.TEXT, title: 'Mes notes de suivi', sha256: sha256(body), sizeBytes: body.length, bodyBase64: body.toString('base64'), ...overrides };
}

function professionalBlocked(ins: Ins, rpps: Rpps, at = new Date()): EventEnvelope<unknown> {
  return createEvent(ProfessionalBlockedEvent, { ins, rpps, by: { role: ActorRole.PATIENT, id: ins }, blockedAt: at.toISOString() }, { producer: 'consent', correlationId: randomUUID(), occurredAt: at }) as EventEnvelope<unknown>;
}

describe('documents from every source', () => {
  let sut: TestApp;
  let producer: EventProducer;
  let db: DataSource;
  const liberal = aProfessional().build();
  const liberalToken = tokenFor(liberal);
  const reader = aProfessional().build();

  beforeAll(async () => {
    const config = await testConfig(DocumentsConfig, { DOCUMENTS_PARK_SWEEP_INTERVAL_MS: '0', DOCUMENTS_CONSUMER_GROUP: `dmp-documents-test-${randomUUID()}` });
    sut = await startTestApp(AppModule.forRoot(config), config);
    db = sut.app.get(DataSource);
    producer = await EventProducer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await sut?.stop();
  });

  async function openRecord(ins: Ins, representatives: Ins[] = []): Promise<void> {
    await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins, new Date(), representatives)]);
    await waitFor(async () => (await recordStatus(db, ins)) === 'open', { timeoutMs: 90_000, message: `record ${ins} open` });
  }

  async function block(ins: Ins, rpps: Rpps): Promise<void> {
    await producer.publish(Topics.PROFESSIONAL_BLOCKED, [professionalBlocked(ins, rpps)]);
    await waitFor(
      async () => {
        const rows: Array<{ blocked: boolean | null }> = await db.query(`SELECT (consent_state->'professionals'->$2->>'blocked')::boolean AS blocked FROM document_patients WHERE ins = $1`, [ins, rpps]);
        return rows[0]?.blocked === true;
      },
      { timeoutMs: 90_000, message: `${rpps} blocked by ${ins}` },
    );
  }

  async function authoriseReader(ins: Ins): Promise<void> {
    await producer.publish(Topics.PROFESSIONAL_AUTHORISED, [professionalAuthorised(ins, reader.rpps)]);
    await waitFor(
      async () => {
        const rows: Array<{ ok: boolean }> = await db.query(`SELECT consent_state->'professionals' ? $2 AS ok FROM document_patients WHERE ins = $1`, [ins, reader.rpps]);
        return rows[0]?.ok === true;
      },
      { timeoutMs: 90_000, message: `${reader.rpps} authorised by ${ins}` },
    );
  }

  function submit(route: 'patient' | 'professional', token: string, documents: unknown[], extra: Record<string, unknown> = {}): Promise<{ status: number; body: SubmissionAnswer & ErrorBody }> {
    return http('POST', `${sut.url}/submissions/${route}`, token, { submissionId: `sub-${randomUUID()}`, documents, ...extra });
  }

  async function added(documentId: unknown): Promise<DocumentAddedPayload[]> {
    return (await outboxEvents<DocumentAddedPayload>(db, Topics.DOCUMENT_ADDED)).map((e) => e.payload.payload).filter((p) => p.documentId === documentId);
  }

  async function rejected(documentId: unknown): Promise<DocumentRejectedPayload[]> {
    return (await outboxEvents<DocumentRejectedPayload>(db, Topics.DOCUMENT_REJECTED)).map((e) => e.payload.payload).filter((p) => p.documentId === documentId);
  }

  async function titlesSeenBy(token: string, ins: Ins): Promise<string[]> {
    const page = await http<ListPage>('GET', `${sut.url}/patients/${ins}/documents`, token);
    expect(page.status).toBe(200);
    return page.body.items.map((d) => d.title).sort();
  }

  describe('the patient side', () => {
    it('files a document the patient adds to their own record as a patient source, visible to professionals unless masked', async () => {
      const ins = anIns();
      await openRecord(ins);
      await authoriseReader(ins);
      const patientToken = tokenFor(aPatient().withIns(ins));
      const visible = aPatientDocument(ins, { title: 'visible' });
      const masked = aPatientDocument(ins, { title: 'masked', visibility: { maskedFromProfessionals: true } });
      const answer = await submit('patient', patientToken, [visible, masked]);
      expect(answer.status).toBe(200);
      expect(answer.body.results).toEqual([
        { index: 0, documentId: visible['documentId'], outcome: SubmissionOutcome.ACCEPTED, reasons: [] },
        { index: 1, documentId: masked['documentId'], outcome: SubmissionOutcome.ACCEPTED, reasons: [] },
      ]);
      const [event] = await added(visible['documentId']);
      expect(event).toMatchObject({ ins, type: DocumentType.PATIENT_ADDED, sourceCategory: 'patient', addedBy: { role: 'patient', id: ins } });
      expect(event.author).toBeUndefined();
      expect(event.establishment).toBeUndefined();
      expect(await titlesSeenBy(tokenFor(reader), ins)).toEqual(['visible']);
      expect(await titlesSeenBy(patientToken, ins)).toEqual(['masked', 'visible']);
    });

    it("lets a legal representative add a document to their dependant's record, and refuses one enrolment no longer lists", async () => {
      const child = anIns();
      const parent = aLegalRepresentative().representing(child).build();
      await openRecord(child, [parent.ins]);
      const first = aPatientDocument(child, { type: DocumentType.ADVANCE_DIRECTIVES, format: DocumentFormat.PDF }, Buffer.from('%PDF-1.4\n%%EOF\n'));
      const answer = await submit('patient', tokenFor(parent), [first]);
      expect(answer.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.ACCEPTED });
      expect((await added(first['documentId']))[0]).toMatchObject({ sourceCategory: 'patient', type: DocumentType.ADVANCE_DIRECTIVES, addedBy: { role: 'legal-representative', id: parent.ins } });

      // The token still lists the child; enrolment's current list no longer does.
      await producer.publish(Topics.REPRESENTATIVE_CHANGED, [representativeChanged(child, [])]);
      await waitFor(async () => ((await db.query('SELECT legal_representatives FROM document_patients WHERE ins = $1', [child])) as Array<{ legal_representatives: string[] }>)[0]?.legal_representatives.length === 0, {
        timeoutMs: 90_000,
        message: 'representative removed',
      });
      const late = aPatientDocument(child);
      const refused = await submit('patient', tokenFor(parent), [late]);
      expect(refused.body.results[0]).toEqual({ index: 0, documentId: late['documentId'], outcome: SubmissionOutcome.REJECTED, reasons: [`ins: ${parent.ins} is not (or no longer) a legal representative of this patient`] });
    });

    it('rejects invalid documents alone, naming the field, with patient-source rejection events', async () => {
      const ins = anIns();
      await openRecord(ins);
      const good = aPatientDocument(ins);
      const badHash = aPatientDocument(ins, { sha256: 'f'.repeat(64) });
      const cda = aPatientDocument(ins, { format: DocumentFormat.CDA_R2 });
      const hospitalType = aPatientDocument(ins, { type: DocumentType.DISCHARGE_SUMMARY });
      const hidden = aPatientDocument(ins, { visibility: { invisibleToPatientUntilExplained: true } });
      const withAuthor = aPatientDocument(ins, { author: { rpps: liberal.rpps, profession: liberal.profession } });
      const answer = await submit('patient', tokenFor(aPatient().withIns(ins)), [good, badHash, cda, hospitalType, hidden, withAuthor]);
      expect(answer.status).toBe(200);
      expect(answer.body.results.map((r) => r.outcome)).toEqual([SubmissionOutcome.ACCEPTED, ...Array(5).fill(SubmissionOutcome.REJECTED)]);
      const reasons = answer.body.results.map((r) => r.reasons.join(' '));
      expect(reasons[1]).toMatch(/^documents\.1\.sha256: does not match the body/);
      expect(reasons[2]).toMatch(/^documents\.2\.format: format must be one of pdf, text/);
      expect(reasons[3]).toMatch(/^documents\.3\.type: type must be one of .*patient-added \(the types a patient may add\)/);
      expect(reasons[4]).toBe('documents.4.visibility.invisibleToPatientUntilExplained: only a professional may keep a document from the patient until it is explained');
      expect(reasons[5]).toBe('documents.5.author: a document the patient adds has no professional author');
      expect(await rejected(badHash['documentId'])).toEqual([expect.objectContaining({ ins, sourceCategory: 'patient' })]);
      expect((await rejected(badHash['documentId']))[0].establishmentFiness).toBeUndefined();
    });

    it('answers a resend as a duplicate, refuses another content under the same id, and files a declared replacement', async () => {
      const ins = anIns();
      await openRecord(ins);
      const token = tokenFor(aPatient().withIns(ins));
      const original = aPatientDocument(ins);
      expect((await submit('patient', token, [original])).body.results[0].outcome).toBe(SubmissionOutcome.ACCEPTED);
      expect((await submit('patient', token, [original])).body.results[0].outcome).toBe(SubmissionOutcome.DUPLICATE);
      const body = Buffer.from('version 2');
      const changed = { ...original, sha256: sha256(body), sizeBytes: body.length, bodyBase64: body.toString('base64') };
      const refused = await submit('patient', token, [changed]);
      expect(refused.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.REJECTED, reasons: [expect.stringMatching(/already exists with another sha256; declare a new version with replaces/)] });
      const replacement = await submit('patient', token, [{ ...changed, replaces: original['documentId'] }]);
      expect(replacement.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.ACCEPTED });
      const replaced = (await outboxEvents<DocumentReplacedPayload>(db, Topics.DOCUMENT_REPLACED)).map((e) => e.payload.payload).filter((p) => p.documentId === original['documentId']);
      expect(replaced).toEqual([expect.objectContaining({ version: 2, sourceCategory: 'patient', by: { role: 'patient', id: ins } })]);

      // A professional may not file a new version of what the patient added.
      const third = Buffer.from('version 3 by a professional');
      const byProfessional = await submit('professional', liberalToken, [
        { ...aDocument(ins, { rpps: liberal.rpps, profession: liberal.profession }, {}, third), documentId: original['documentId'], type: DocumentType.CONSULT_NOTE, replaces: original['documentId'] },
      ]);
      expect(byProfessional.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.REJECTED, reasons: [`replaces: document ${String(original['documentId'])} was added by the patient; only the patient may replace it`] });
    });

    it('parks a document sent before the record opening and files it when the opening arrives; a closed record refuses', async () => {
      const ins = anIns();
      const token = tokenFor(aPatient().withIns(ins));
      const early = aPatientDocument(ins);
      const parked = await submit('patient', token, [early]);
      expect(parked.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.PARKED });
      await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
      await waitFor(async () => (await added(early['documentId'])).length === 1, { timeoutMs: 90_000, message: 'parked patient document filed' });
      expect((await added(early['documentId']))[0]).toMatchObject({ sourceCategory: 'patient', addedBy: { role: 'patient', id: ins } });

      await producer.publish(Topics.RECORD_CLOSED, [recordClosed(ins)]);
      await waitFor(async () => (await recordStatus(db, ins)) === 'closed', { timeoutMs: 90_000, message: 'record closed' });
      const late = await submit('patient', token, [aPatientDocument(ins)]);
      expect(late.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.REJECTED, reasons: ["ins: the patient's DMP is closed"] });
    });

    it('rejects a parked patient document whose record does not open in time, as a patient source, without a results event', async () => {
      const ins = anIns();
      const early = aPatientDocument(ins);
      const submission = await submit('patient', tokenFor(aPatient().withIns(ins)), [early]);
      expect(submission.body.results[0].outcome).toBe(SubmissionOutcome.PARKED);
      // The wait is over: as if DOCUMENTS_PARK_MAX_WAIT_MS had passed.
      await db.query(`UPDATE parked_documents SET deadline = now() - interval '1 second' WHERE document_id = $1`, [early['documentId']]);
      await sut.app.get(ParkedSweeper).sweep();
      expect(await rejected(early['documentId'])).toEqual([expect.objectContaining({ ins, sourceCategory: 'patient', reasons: [expect.stringMatching(/^ins: no open DMP for this patient/)] })]);
      const results = (await outboxEvents<{ submissionId: string }>(db, Topics.DOCUMENT_SUBMISSION_RESULTS)).filter((e) => e.payload.payload.submissionId === submission.body.submissionId);
      expect(results).toEqual([]);
    });

    it("refuses a patient submitting to someone else's record, and the roles that do not submit here", async () => {
      const ins = anIns();
      const stranger = await submit('patient', tokenFor(aPatient()), [aPatientDocument(ins)]);
      expect(stranger.status).toBe(403);
      expect(stranger.body).toMatchObject({ code: 'NOT_OWN_RECORD', errors: [{ field: 'documents.0.ins' }] });
      const notTheirChild = await submit('patient', tokenFor(aLegalRepresentative()), [aPatientDocument(ins)]);
      expect(notTheirChild.status).toBe(403);
      expect(notTheirChild.body.code).toBe('NOT_OWN_RECORD');
      for (const actor of [aPharmacy().build(), liberal, anEstablishment().build()]) {
        const refused = await submit('patient', tokenFor(actor), [aPatientDocument(ins)]);
        expect({ role: actor.role, status: refused.status, code: refused.body.code }).toEqual({ role: actor.role, status: 403, code: 'ROLE_NOT_ALLOWED' });
      }
      expect(await db.query('SELECT 1 FROM documents WHERE ins = $1', [ins])).toEqual([]);
    });

    it('accepts a large PDF as a multipart upload', async () => {
      const ins = anIns();
      await openRecord(ins);
      const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(200 * 1024, 7)]);
      const { bodyBase64: _omitted, ...metadata } = aPatientDocument(ins, { format: DocumentFormat.PDF }, body);
      void _omitted;
      const form = new FormData();
      form.set('submission', JSON.stringify({ submissionId: `sub-${randomUUID()}`, documents: [metadata] }));
      form.set('document.0', new Blob([body]), 'scan.pdf');
      const response = await fetch(`${sut.url}/submissions/patient/multipart`, { method: 'POST', headers: { authorization: `Bearer ${tokenFor(aPatient().withIns(ins))}` }, body: form });
      expect(response.status).toBe(200);
      expect(((await response.json()) as SubmissionAnswer).results[0]).toMatchObject({ outcome: SubmissionOutcome.ACCEPTED });
      expect((await added(metadata['documentId']))[0]).toMatchObject({ sourceCategory: 'patient', sizeBytes: body.length, format: DocumentFormat.PDF });
    });
  });

  describe('liberal professionals', () => {
    it('files their documents with the liberal-professional source, the caller as author and no establishment', async () => {
      const ins = anIns();
      await openRecord(ins);
      const { author: _author, ...withoutAuthor } = aDocument(ins, { rpps: liberal.rpps, profession: liberal.profession }, { type: DocumentType.CONSULT_NOTE });
      void _author;
      const answer = await submit('professional', liberalToken, [withoutAuthor]);
      expect(answer.status).toBe(200);
      expect(answer.body.results[0]).toEqual({ index: 0, documentId: withoutAuthor['documentId'], outcome: SubmissionOutcome.ACCEPTED, reasons: [] });
      const [event] = await added(withoutAuthor['documentId']);
      expect(event).toMatchObject({ ins, sourceCategory: 'liberal-professional', author: { rpps: liberal.rpps, profession: liberal.profession }, addedBy: { role: 'professional', id: liberal.rpps } });
      expect(event.establishment).toBeUndefined();
      const [row] = await db.query('SELECT source_category, author_rpps, establishment_finess FROM documents WHERE document_id = $1', [withoutAuthor['documentId']]);
      expect(row).toEqual({ source_category: 'liberal-professional', author_rpps: liberal.rpps, establishment_finess: null });
    });

    it('rejects the documents of a professional the patient blocked, and invalid ones, naming the field', async () => {
      const ins = anIns();
      await openRecord(ins);
      const blocked = aProfessional().build();
      await block(ins, blocked.rpps);
      const document = aDocument(ins, { rpps: blocked.rpps, profession: blocked.profession });
      const answer = await submit('professional', tokenFor(blocked), [document]);
      expect(answer.body.results[0]).toEqual({ index: 0, documentId: document['documentId'], outcome: SubmissionOutcome.REJECTED, reasons: [`ins: the patient has blocked this professional (RPPS ${blocked.rpps}) from their DMP`] });
      expect(await rejected(document['documentId'])).toEqual([expect.objectContaining({ ins, sourceCategory: 'liberal-professional' })]);

      const patientAdded = aDocument(ins, { rpps: liberal.rpps, profession: liberal.profession }, { type: DocumentType.PATIENT_ADDED });
      const badSize = aDocument(ins, { rpps: liberal.rpps, profession: liberal.profession }, { sizeBytes: 1 });
      const invalid = await submit('professional', liberalToken, [patientAdded, badSize]);
      expect(invalid.body.results.map((r) => r.reasons.join(' '))).toEqual([
        'documents.0.type: patient-added is only for documents a patient adds, not for a professional',
        expect.stringMatching(/^documents\.1\.sizeBytes: declares 1 bytes but the body has \d+/),
      ]);
    });

    it('files a new version of their own document, refuses it from another professional, and takes multipart uploads', async () => {
      const ins = anIns();
      await openRecord(ins);
      const own = aDocument(ins, { rpps: liberal.rpps, profession: liberal.profession }, { type: DocumentType.CONSULT_NOTE });
      expect((await submit('professional', liberalToken, [own])).body.results[0].outcome).toBe(SubmissionOutcome.ACCEPTED);
      const v2 = Buffer.from('%PDF-1.7\nversion 2\n');
      const { bodyBase64: _omitted, ...metadata } = aDocument(ins, { rpps: liberal.rpps, profession: liberal.profession }, { documentId: own['documentId'], type: DocumentType.CONSULT_NOTE, format: DocumentFormat.PDF, replaces: own['documentId'] }, v2);
      void _omitted;
      const form = new FormData();
      form.set('submission', JSON.stringify({ submissionId: `sub-${randomUUID()}`, documents: [metadata] }));
      form.set('document.0', new Blob([v2]), 'v2.pdf');
      const response = await fetch(`${sut.url}/submissions/professional/multipart`, { method: 'POST', headers: { authorization: `Bearer ${liberalToken}` }, body: form });
      expect(response.status).toBe(200);
      expect(((await response.json()) as SubmissionAnswer).results[0]).toMatchObject({ outcome: SubmissionOutcome.ACCEPTED });
      const replaced = (await outboxEvents<DocumentReplacedPayload>(db, Topics.DOCUMENT_REPLACED)).map((e) => e.payload.payload).filter((p) => p.documentId === own['documentId']);
      expect(replaced).toEqual([expect.objectContaining({ version: 2, sourceCategory: 'liberal-professional', by: { role: 'professional', id: liberal.rpps } })]);

      const colleague = aProfessional().build();
      const v3 = Buffer.from('version 3 by a colleague');
      const byColleague = await submit('professional', tokenFor(colleague), [
        aDocument(ins, { rpps: colleague.rpps, profession: colleague.profession }, { documentId: own['documentId'], type: DocumentType.CONSULT_NOTE, replaces: own['documentId'] }, v3),
      ]);
      expect(byColleague.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.REJECTED, reasons: [expect.stringMatching(/^replaces: document .* was filed by another author .*; only its author or its establishment may replace it$/)] });
    });

    it('checks feeding rights again when a parked document is released', async () => {
      const ins = anIns();
      const blocked = aProfessional().build();
      await block(ins, blocked.rpps);
      const document = aDocument(ins, { rpps: blocked.rpps, profession: blocked.profession });
      expect((await submit('professional', tokenFor(blocked), [document])).body.results[0].outcome).toBe(SubmissionOutcome.PARKED);
      await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
      await waitFor(async () => (await rejected(document['documentId'])).length === 1, { timeoutMs: 90_000, message: 'released document rejected' });
      expect((await rejected(document['documentId']))[0].reasons).toEqual([`ins: the patient has blocked this professional (RPPS ${blocked.rpps}) from their DMP`]);
      expect(await added(document['documentId'])).toEqual([]);
    });

    it('refuses another author, a professional acting for an establishment, an establishment field and other roles', async () => {
      const ins = anIns();
      const other = aProfessional().build();
      const foreign = await submit('professional', liberalToken, [aDocument(ins, { rpps: other.rpps, profession: other.profession })]);
      expect(foreign.status).toBe(403);
      expect(foreign.body).toMatchObject({ code: 'AUTHOR_MISMATCH', errors: [{ field: 'documents.0.author.rpps' }] });
      const nurse = await submit('professional', liberalToken, [aDocument(ins, { rpps: liberal.rpps, profession: Profession.NURSE })]);
      expect(nurse.body).toMatchObject({ code: 'AUTHOR_MISMATCH', errors: [{ field: 'documents.0.author.profession' }] });
      const employed = aProfessional().actingFor().build();
      const viaEstablishment = await submit('professional', tokenFor(employed), [aDocument(ins, { rpps: employed.rpps, profession: employed.profession })]);
      expect(viaEstablishment.body).toMatchObject({ code: 'NOT_A_LIBERAL_PROFESSIONAL', errors: [{ field: 'finess' }] });
      const withEstablishment = await submit('professional', liberalToken, [aDocument(ins, { rpps: liberal.rpps, profession: liberal.profession })], { establishment: { finess: '750712184', kind: 'health', category: 'chu' } });
      expect(withEstablishment.status).toBe(400);
      expect(withEstablishment.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'establishment' }] });
      for (const actor of [aPharmacy().build(), aPatient().withIns(ins).build(), anEstablishment().build()]) {
        const refused = await submit('professional', tokenFor(actor), [aDocument(ins, { rpps: liberal.rpps, profession: liberal.profession })]);
        expect({ role: actor.role, status: refused.status, code: refused.body.code }).toEqual({ role: actor.role, status: 403, code: 'ROLE_NOT_ALLOWED' });
      }
      expect(await db.query('SELECT 1 FROM documents WHERE ins = $1', [ins])).toEqual([]);
    });
  });

  describe('other structures (health centres, laboratories)', () => {
    const laboratory = anEstablishment().withCategory(EstablishmentCategory.LABORATORY).build();
    const labRef = { finess: laboratory.finess, kind: laboratory.kind, category: laboratory.category };

    it('files a laboratory report over HTTP as the other source', async () => {
      const ins = anIns();
      await openRecord(ins);
      const report = aDocument(ins, { rpps: liberal.rpps, profession: Profession.PHYSICIAN }, { type: DocumentType.LABORATORY_REPORT });
      const answer = await http<SubmissionAnswer>('POST', `${sut.url}/submissions`, tokenFor(laboratory), aSubmission(labRef, [report]));
      expect(answer.status).toBe(200);
      expect(answer.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.ACCEPTED });
      expect((await added(report['documentId']))[0]).toMatchObject({ sourceCategory: 'other', establishment: { finess: laboratory.finess, kind: EstablishmentKind.OTHER, category: EstablishmentCategory.LABORATORY }, addedBy: { role: 'establishment', id: laboratory.finess } });
    });

    it('files a health centre document produced to the submissions topic as the other source', async () => {
      const centre = anEstablishment().withCategory(EstablishmentCategory.HEALTH_CENTRE).build();
      const ins = anIns();
      await openRecord(ins);
      const note = aDocument(ins, { rpps: liberal.rpps, profession: liberal.profession }, { type: DocumentType.CONSULT_NOTE });
      await producer.submit(aSubmission({ finess: centre.finess, kind: centre.kind, category: centre.category }, [note]));
      await waitFor(async () => (await added(note['documentId'])).length === 1, { timeoutMs: 90_000, message: 'health centre document filed' });
      expect((await added(note['documentId']))[0]).toMatchObject({ sourceCategory: 'other', establishment: { kind: 'other', category: 'health-centre' } });
    });

    it('refuses a structure passing for another kind, and a pharmacy', async () => {
      const ins = anIns();
      const asHospital = await http<ErrorBody>('POST', `${sut.url}/submissions`, tokenFor(laboratory), aSubmission({ ...labRef, kind: EstablishmentKind.HEALTH, category: EstablishmentCategory.HOSPITAL }, [aDocument(ins, { rpps: liberal.rpps, profession: liberal.profession })]));
      expect(asHospital.status).toBe(403);
      expect(asHospital.body).toMatchObject({ code: 'ESTABLISHMENT_MISMATCH', errors: [{ field: 'establishment.kind' }] });
      const pharmacy = aPharmacy().build();
      const byPharmacy = await http<ErrorBody>('POST', `${sut.url}/submissions`, tokenFor(pharmacy), aSubmission({ ...labRef, finess: pharmacy.finess }, [aDocument(ins, { rpps: liberal.rpps, profession: liberal.profession })]));
      expect(byPharmacy.status).toBe(403);
      expect(byPharmacy.body.code).toBe('ROLE_NOT_ALLOWED');
    });
  });
});
