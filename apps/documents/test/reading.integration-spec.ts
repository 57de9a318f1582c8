import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { findSchemaDrift } from '@dmp/persistence';
import { AccessedPayload, SubmissionOutcome, Topics } from '@dmp/contracts';
import { DocumentType, EstablishmentCategory, Ins, Profession } from '@dmp/domain';
import { TestApp, aLegalRepresentative, aPatient, aProfessional, anEstablishment, anIns, startTestApp, testConfig, tokenFor, waitFor, reseedBuilders } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { DocumentsConfig } from '../src/config';
import { SubmissionAnswer } from '../src/submissions/submission-pipeline.service';
import { ListPage } from '../src/reading/reading.service';
import { DocumentView } from '../src/reading/reading.service';
import { EventProducer, Establishment, aDocument, aSubmission, http, outboxEvents, professionalAuthorised, recordOpened, representativeChanged } from './documents-test-kit';

// Every test app consumes every event of the shared broker (own consumer group): identifiers
// from a seed of this file only, so that another file's events never touch this file's patients.
reseedBuilders(202);

// The crash test's 10,000 submissions run at the same time and every test app consumes them too.
jest.setTimeout(180_000);

describe('documents reading', () => {
  let sut: TestApp;
  let producer: EventProducer;
  let db: DataSource;
  const establishmentActor = anEstablishment().withCategory(EstablishmentCategory.HOSPITAL).build();
  const establishment: Establishment = { finess: establishmentActor.finess, kind: establishmentActor.kind, category: establishmentActor.category };
  const authorActor = aProfessional().build();
  const author = { rpps: authorActor.rpps, profession: authorActor.profession };
  const otherPhysician = aProfessional().build();

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

  async function patientWith(documents: Array<Record<string, unknown>>, ins: Ins, representatives: Ins[] = []): Promise<void> {
    await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins, new Date(), representatives)]);
    await producer.publish(Topics.PROFESSIONAL_AUTHORISED, [professionalAuthorised(ins, otherPhysician.rpps)]);
    await waitFor(
      async () => {
        const rows: Array<{ ok: boolean }> = await db.query(`SELECT record_status = 'open' AND consent_state->'professionals' ? $2 AS ok FROM document_patients WHERE ins = $1`, [ins, otherPhysician.rpps]);
        return rows[0]?.ok === true;
      },
      { timeoutMs: 90_000, message: `record ${ins} open with an authorised professional` },
    );
    const answer = await http<SubmissionAnswer>('POST', `${sut.url}/submissions`, tokenFor(establishmentActor), aSubmission(establishment, documents));
    expect(answer.body.results.every((r) => r.outcome === SubmissionOutcome.ACCEPTED)).toBe(true);
  }

  async function accessEvents(ins: Ins): Promise<AccessedPayload[]> {
    return (await outboxEvents<AccessedPayload>(db, Topics.ACCESSED)).map((e) => e.payload.payload).filter((p) => p.ins === ins);
  }

  it('has no schema drift after its migrations', async () => {
    expect(await findSchemaDrift(db)).toEqual([]);
  });

  it('applies the visibility flags to professionals, the patient and legal representatives', async () => {
    const ins = anIns();
    const plain = aDocument(ins, author, { title: 'plain' });
    const masked = aDocument(ins, author, { title: 'masked', visibility: { maskedFromProfessionals: true, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false } });
    const unexplained = aDocument(ins, author, { title: 'unexplained', visibility: { maskedFromProfessionals: false, invisibleToPatientUntilExplained: true, invisibleToLegalRepresentatives: false } });
    const hiddenFromReps = aDocument(ins, author, { title: 'hidden-from-reps', visibility: { maskedFromProfessionals: false, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: true } });
    const parent = aLegalRepresentative().representing(ins).build();
    await patientWith([plain, masked, unexplained, hiddenFromReps], ins, [parent.ins]);
    const titles = async (token: string): Promise<string[]> => {
      const page = await http<ListPage>('GET', `${sut.url}/patients/${ins}/documents`, token);
      expect(page.status).toBe(200);
      return page.body.items.map((d) => d.title).sort();
    };
    expect(await titles(tokenFor(otherPhysician))).toEqual(['hidden-from-reps', 'plain', 'unexplained']);
    expect(await titles(tokenFor(authorActor))).toEqual([]);
    expect(await titles(tokenFor(aPatient().withIns(ins)))).toEqual(['hidden-from-reps', 'masked', 'plain']);
    expect(await titles(tokenFor(parent))).toEqual(['masked', 'plain']);
    // A token that claims to represent the patient is not enough: enrolment must say so too.
    expect(await titles(tokenFor(aLegalRepresentative().representing(ins)))).toEqual([]);
    expect(await titles(tokenFor(aPatient()))).toEqual([]);
  });

  it('refuses a masked document to another professional with a traced 403 and serves it to the patient', async () => {
    const ins = anIns();
    const masked = aDocument(ins, author, { visibility: { maskedFromProfessionals: true, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false } });
    await patientWith([masked], ins);
    const refused = await http<{ code: string; message: string }>('GET', `${sut.url}/patients/${ins}/documents/${String(masked['documentId'])}`, tokenFor(otherPhysician));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/MASKED_FROM_PROFESSIONALS/);
    const patient = await http<{ bodyBase64: string; sha256: string }>('GET', `${sut.url}/patients/${ins}/documents/${String(masked['documentId'])}`, tokenFor(aPatient().withIns(ins)));
    expect(patient.status).toBe(200);
    expect(patient.body.bodyBase64).toBe(masked['bodyBase64']);
    const events = await accessEvents(ins);
    expect(events.map((e) => [e.accessor.id, e.target.id, e.granted])).toEqual(
      expect.arrayContaining([
        [otherPhysician.rpps, masked['documentId'], false],
        [ins, masked['documentId'], true],
      ]),
    );
  });

  it('filters by type, dates, author and establishment, with pagination', async () => {
    const ins = anIns();
    const lab = aDocument(ins, author, { type: DocumentType.LABORATORY_REPORT, authoredAt: '2026-10-01T08:00:00.000Z', serviceStart: undefined, serviceEnd: undefined });
    const imaging = aDocument(ins, author, { type: DocumentType.IMAGING_REPORT, authoredAt: '2026-11-01T08:00:00.000Z', serviceStart: undefined, serviceEnd: undefined });
    const other = aDocument(ins, { rpps: otherPhysician.rpps, profession: Profession.PHYSICIAN }, { authoredAt: '2026-11-10T08:00:00.000Z', serviceStart: undefined, serviceEnd: undefined });
    await patientWith([lab, imaging, other], ins);
    const token = tokenFor(aPatient().withIns(ins));
    const ids = async (query: string): Promise<string[]> => (await http<ListPage>('GET', `${sut.url}/patients/${ins}/documents?${query}`, token)).body.items.map((d) => d.documentId);
    expect(await ids(`type=${DocumentType.LABORATORY_REPORT}`)).toEqual([lab['documentId']]);
    expect(await ids('from=2026-10-15&to=2026-11-05')).toEqual([imaging['documentId']]);
    expect(await ids(`author=${otherPhysician.rpps}`)).toEqual([other['documentId']]);
    expect(await ids(`establishment=${establishment.finess}`)).toHaveLength(3);
    expect(await ids('limit=2&offset=0')).toEqual([other['documentId'], imaging['documentId']]);
    expect(await ids('limit=2&offset=2')).toEqual([lab['documentId']]);
    const bad = await http<{ errors: Array<{ field: string }> }>('GET', `${sut.url}/patients/${ins}/documents?limit=1000`, token);
    expect(bad.status).toBe(400);
  });

  it('traces a refused read of a professional the patient never authorised', async () => {
    const ins = anIns();
    const document = aDocument(ins, author);
    await patientWith([document], ins);
    const stranger = aProfessional().build();
    const response = await http('GET', `${sut.url}/patients/${ins}/documents/${String(document['documentId'])}`, tokenFor(stranger));
    expect(response.status).toBe(403);
    const events = await accessEvents(ins);
    expect(events.filter((e) => e.accessor.id === stranger.rpps).map((e) => e.granted)).toEqual([false]);
  });

  it('lets the author archive and the patient delete, and nobody else', async () => {
    const ins = anIns();
    const document = aDocument(ins, author);
    await patientWith([document], ins);
    const url = `${sut.url}/patients/${ins}/documents/${String(document['documentId'])}`;
    expect((await http('POST', `${url}/archive`, tokenFor(otherPhysician))).status).toBe(403);
    const archived = await http<{ status: string }>('POST', `${url}/archive`, tokenFor(authorActor));
    expect(archived.body.status).toBe('archived');
    const deleted = await http<{ status: string }>('DELETE', url, tokenFor(aPatient().withIns(ins)));
    expect(deleted.body.status).toBe('deleted');
    expect((await http('GET', url, tokenFor(aPatient().withIns(ins)))).status).toBe(404);
    expect((await outboxEvents(db, Topics.DOCUMENT_ARCHIVED)).filter((e) => e.key === ins)).toHaveLength(1);
    expect((await outboxEvents(db, Topics.DOCUMENT_DELETED)).filter((e) => e.key === ins)).toHaveLength(1);
  });

  it('never serves a body whose hash no longer matches, and says so with a 500-class error', async () => {
    const ins = anIns();
    const document = aDocument(ins, author);
    await patientWith([document], ins);
    await db.query(`UPDATE document_blobs SET body = convert_to('tampered', 'UTF8') WHERE sha256 = $1`, [document['sha256']]);
    const response = await http<{ code: string; bodyBase64?: string }>('GET', `${sut.url}/patients/${ins}/documents/${String(document['documentId'])}`, tokenFor(aPatient().withIns(ins)));
    expect(response.status).toBe(500);
    expect(response.body.code).toBe('BLOB_INTEGRITY_ERROR');
    expect(response.body.bodyBase64).toBeUndefined();
  });

  describe('visibility changes', () => {
    const visibilityOf = async (documentId: unknown): Promise<Array<{ version: number; masked_from_professionals: boolean; invisible_to_patient: boolean; invisible_to_legal_representatives: boolean }>> =>
      db.query('SELECT version, masked_from_professionals, invisible_to_patient, invisible_to_legal_representatives FROM documents WHERE document_id = $1 ORDER BY version', [documentId]);
    const changes = async (ins: Ins): Promise<Array<Record<string, unknown>>> =>
      (await outboxEvents(db, Topics.DOCUMENT_VISIBILITY_CHANGED)).filter((e) => e.key === ins).map((e) => e.payload.payload);

    it('lets the patient mask a document: other professionals are refused at once, an event says so', async () => {
      const ins = anIns();
      const document = aDocument(ins, author);
      await patientWith([document], ins);
      const url = `${sut.url}/patients/${ins}/documents/${String(document['documentId'])}`;
      expect((await http('GET', url, tokenFor(otherPhysician))).status).toBe(200);
      const masked = await http<DocumentView>('PATCH', `${url}/visibility`, tokenFor(aPatient().withIns(ins)), { maskedFromProfessionals: true });
      expect(masked.status).toBe(200);
      expect(masked.body.visibility).toEqual({ maskedFromProfessionals: true, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false });
      const refused = await http<{ message: string }>('GET', url, tokenFor(otherPhysician));
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/MASKED_FROM_PROFESSIONALS/);
      expect((await http('GET', url, tokenFor(aPatient().withIns(ins)))).status).toBe(200);
      expect(await changes(ins)).toEqual([
        expect.objectContaining({ ins, documentId: document['documentId'], visibility: masked.body.visibility, by: { role: 'patient', id: ins } }),
      ]);
      // The same change again changes nothing and says nothing.
      expect((await http('PATCH', `${url}/visibility`, tokenFor(aPatient().withIns(ins)), { maskedFromProfessionals: true })).status).toBe(200);
      expect(await changes(ins)).toHaveLength(1);
      await http('PATCH', `${url}/visibility`, tokenFor(aPatient().withIns(ins)), { maskedFromProfessionals: false });
      expect((await http('GET', url, tokenFor(otherPhysician))).status).toBe(200);
    });

    it('lets the author keep a document from the patient until explained, then release it', async () => {
      const ins = anIns();
      const document = aDocument(ins, author);
      await patientWith([document], ins);
      const url = `${sut.url}/patients/${ins}/documents/${String(document['documentId'])}`;
      const patient = tokenFor(aPatient().withIns(ins));
      expect((await http('PATCH', `${url}/visibility`, tokenFor(authorActor), { invisibleToPatientUntilExplained: true })).status).toBe(200);
      expect((await http('GET', url, patient)).status).toBe(403);
      expect((await http<ListPage>('GET', `${sut.url}/patients/${ins}/documents`, patient)).body.items).toEqual([]);
      // The patient may not act on (nor learn about) a document kept from them.
      expect((await http('PATCH', `${url}/visibility`, patient, { invisibleToLegalRepresentatives: true })).status).toBe(403);
      expect((await http('PATCH', `${url}/visibility`, tokenFor(establishmentActor), { invisibleToPatientUntilExplained: false })).status).toBe(200);
      expect((await http('GET', url, patient)).status).toBe(200);
      expect((await changes(ins)).map((c) => [c['by'], (c['visibility'] as Record<string, boolean>)['invisibleToPatientUntilExplained']])).toEqual([
        [{ role: 'professional', id: authorActor.rpps }, true],
        [{ role: 'establishment', id: establishment.finess }, false],
      ]);
    });

    it('gives each flag to whom the domain gives it, naming the refused field, and changes nothing on a refusal', async () => {
      const ins = anIns();
      const document = aDocument(ins, author);
      await patientWith([document], ins);
      const url = `${sut.url}/patients/${ins}/documents/${String(document['documentId'])}/visibility`;
      const byAuthor = await http<{ code: string; errors: Array<{ field: string }> }>('PATCH', url, tokenFor(authorActor), { maskedFromProfessionals: true, invisibleToLegalRepresentatives: true });
      expect(byAuthor.status).toBe(403);
      expect(byAuthor.body.code).toBe('VISIBILITY_CHANGE_NOT_ALLOWED');
      expect(byAuthor.body.errors.map((e) => e.field)).toEqual(['maskedFromProfessionals']);
      const byPatient = await http<{ errors: Array<{ field: string }> }>('PATCH', url, tokenFor(aPatient().withIns(ins)), { invisibleToPatientUntilExplained: false });
      expect(byPatient.status).toBe(403);
      expect(byPatient.body.errors.map((e) => e.field)).toEqual(['invisibleToPatientUntilExplained']);
      expect((await http('PATCH', url, tokenFor(otherPhysician), { invisibleToLegalRepresentatives: true })).status).toBe(403);
      expect((await http('PATCH', url, tokenFor(aLegalRepresentative().representing(ins)), { maskedFromProfessionals: true })).status).toBe(403);
      const empty = await http<{ errors: Array<{ field: string }> }>('PATCH', url, tokenFor(aPatient().withIns(ins)), {});
      expect(empty.status).toBe(400);
      expect(empty.body.errors.map((e) => e.field)).toEqual(['visibility']);
      const notBoolean = await http<{ errors: Array<{ field: string }> }>('PATCH', url, tokenFor(aPatient().withIns(ins)), { maskedFromProfessionals: 'yes' });
      expect(notBoolean.status).toBe(400);
      expect(notBoolean.body.errors.map((e) => e.field)).toEqual(['maskedFromProfessionals']);
      expect(await visibilityOf(document['documentId'])).toEqual([{ version: 1, masked_from_professionals: false, invisible_to_patient: false, invisible_to_legal_representatives: false }]);
      expect(await changes(ins)).toEqual([]);
    });

    it('applies a change to the former versions too, so the history does not show what is hidden', async () => {
      const ins = anIns();
      const first = aDocument(ins, author);
      await patientWith([first], ins);
      const second = aDocument(ins, author, { replaces: first['documentId'] });
      expect((await http<SubmissionAnswer>('POST', `${sut.url}/submissions`, tokenFor(establishmentActor), aSubmission(establishment, [second]))).body.results[0].outcome).toBe(SubmissionOutcome.ACCEPTED);
      await http('PATCH', `${sut.url}/patients/${ins}/documents/${String(second['documentId'])}/visibility`, tokenFor(aPatient().withIns(ins)), { maskedFromProfessionals: true });
      expect((await visibilityOf(first['documentId'])).map((v) => v.masked_from_professionals)).toEqual([true]);
      expect((await http('GET', `${sut.url}/patients/${ins}/documents/${String(first['documentId'])}?version=1`, tokenFor(otherPhysician))).status).toBe(403);
    });
  });

  describe('deletion', () => {
    const blobCount = async (hash: unknown): Promise<number> => Number((await db.query('SELECT count(*) AS n FROM document_blobs WHERE sha256 = $1', [hash]))[0].n);

    it('deletes the bodies of every version, keeps the metadata as tombstone and history, and never serves it again', async () => {
      const ins = anIns();
      const first = aDocument(ins, author);
      await patientWith([first], ins);
      const second = aDocument(ins, author, { replaces: first['documentId'] });
      await http('POST', `${sut.url}/submissions`, tokenFor(establishmentActor), aSubmission(establishment, [second]));
      const patient = tokenFor(aPatient().withIns(ins));
      const url = `${sut.url}/patients/${ins}/documents/${String(second['documentId'])}`;
      expect((await http('DELETE', url, patient)).status).toBe(200);
      expect(await blobCount(first['sha256'])).toBe(0);
      expect(await blobCount(second['sha256'])).toBe(0);
      const rows: Array<{ document_id: string; status: string; deleted: boolean }> = await db.query(
        'SELECT document_id, status, body_deleted_at IS NOT NULL AS deleted FROM documents WHERE document_id = ANY($1) ORDER BY version',
        [[first['documentId'], second['documentId']]],
      );
      expect(rows).toEqual([
        { document_id: first['documentId'], status: 'deprecated', deleted: true },
        { document_id: second['documentId'], status: 'deleted', deleted: true },
      ]);
      for (const path of [url, `${url}?version=2`, `${sut.url}/patients/${ins}/documents/${String(first['documentId'])}?version=1`]) {
        const response = await http<{ code: string; bodyBase64?: string }>('GET', path, patient);
        expect([response.status, response.body.code, response.body.bodyBase64]).toEqual([404, 'DOCUMENT_DELETED', undefined]);
      }
      expect((await http<ListPage>('GET', `${sut.url}/patients/${ins}/documents`, patient)).body.items).toEqual([]);
      expect((await http('DELETE', url, patient)).status).toBe(404);
      const again = await http<SubmissionAnswer>('POST', `${sut.url}/submissions`, tokenFor(establishmentActor), aSubmission(establishment, [second]));
      expect(again.body.results[0]).toMatchObject({ outcome: SubmissionOutcome.REJECTED, reasons: [expect.stringMatching(/was deleted/)] });
    });

    it('keeps a body that another document still uses', async () => {
      const ins = anIns();
      const body = Buffer.from(`shared body ${randomUUID()}`);
      const one = aDocument(ins, author, {}, body);
      const two = aDocument(ins, author, {}, body);
      await patientWith([one, two], ins);
      const patient = tokenFor(aPatient().withIns(ins));
      expect((await http('DELETE', `${sut.url}/patients/${ins}/documents/${String(one['documentId'])}`, patient)).status).toBe(200);
      expect(await blobCount(one['sha256'])).toBe(1);
      const kept = await http<{ bodyBase64: string }>('GET', `${sut.url}/patients/${ins}/documents/${String(two['documentId'])}`, patient);
      expect(kept.body.bodyBase64).toBe(body.toString('base64'));
    });
  });

  describe('legal representatives', () => {
    it('follows representative-changed: a removed representative loses access at once, an older change arriving late changes nothing', async () => {
      const ins = anIns();
      const document = aDocument(ins, author);
      const parent = aLegalRepresentative().representing(ins).build();
      const guardian = aLegalRepresentative().representing(ins).build();
      await patientWith([document], ins, [parent.ins]);
      const url = `${sut.url}/patients/${ins}/documents/${String(document['documentId'])}`;
      expect((await http('GET', url, tokenFor(parent))).status).toBe(200);
      expect((await http('GET', url, tokenFor(guardian))).status).toBe(403);
      const now = Date.now();
      await producer.publish(Topics.REPRESENTATIVE_CHANGED, [representativeChanged(ins, [guardian.ins], new Date(now))]);
      await waitFor(async () => (await http('GET', url, tokenFor(guardian))).status === 200, { timeoutMs: 90_000, message: 'the new representative reads' });
      const refused = await http<{ message: string }>('GET', url, tokenFor(parent));
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/NOT_A_LEGAL_REPRESENTATIVE/);
      // An older list, delivered late, is not applied.
      const late = representativeChanged(ins, [parent.ins], new Date(now - 60_000));
      await producer.publish(Topics.REPRESENTATIVE_CHANGED, [late]);
      await waitFor(async () => (await db.query('SELECT 1 FROM inbox_events WHERE event_id = $1', [late.eventId])).length === 1, { timeoutMs: 90_000, message: 'the late change handled' });
      expect((await http('GET', url, tokenFor(parent))).status).toBe(403);
      expect((await http('GET', url, tokenFor(guardian))).status).toBe(200);
      await producer.publish(Topics.REPRESENTATIVE_CHANGED, [representativeChanged(ins, [guardian.ins, parent.ins], new Date(now + 1000))]);
      await waitFor(async () => (await http('GET', url, tokenFor(parent))).status === 200, { timeoutMs: 90_000, message: 'both representatives read' });
      const rows: Array<{ legal_representatives: string[] }> = await db.query('SELECT legal_representatives FROM document_patients WHERE ins = $1', [ins]);
      expect(rows[0].legal_representatives).toEqual([guardian.ins, parent.ins]);
    });

    it("lets a current representative archive, delete and mask for the minor, but not act on what is kept from them", async () => {
      const ins = anIns();
      const toArchive = aDocument(ins, author);
      const toDelete = aDocument(ins, author);
      const toMask = aDocument(ins, author);
      const keptFromReps = aDocument(ins, author, { visibility: { maskedFromProfessionals: false, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: true } });
      const parent = aLegalRepresentative().representing(ins).build();
      const claimant = aLegalRepresentative().representing(ins).build();
      await patientWith([toArchive, toDelete, toMask, keptFromReps], ins, [parent.ins]);
      const urlOf = (document: Record<string, unknown>): string => `${sut.url}/patients/${ins}/documents/${String(document['documentId'])}`;

      const archived = await http<DocumentView>('POST', `${urlOf(toArchive)}/archive`, tokenFor(parent));
      expect([archived.status, archived.body.status]).toEqual([200, 'archived']);
      expect((await http('DELETE', urlOf(toDelete), tokenFor(parent))).status).toBe(200);
      expect((await http('GET', urlOf(toDelete), tokenFor(aPatient().withIns(ins)))).status).toBe(404);
      const masked = await http<DocumentView>('PATCH', `${urlOf(toMask)}/visibility`, tokenFor(parent), { maskedFromProfessionals: true });
      expect([masked.status, masked.body.visibility.maskedFromProfessionals]).toEqual([200, true]);
      expect((await http('GET', urlOf(toMask), tokenFor(otherPhysician))).status).toBe(403);
      const events = (await outboxEvents(db, Topics.DOCUMENT_ARCHIVED)).concat(await outboxEvents(db, Topics.DOCUMENT_DELETED), await outboxEvents(db, Topics.DOCUMENT_VISIBILITY_CHANGED));
      expect(events.filter((e) => e.key === ins).map((e) => (e.payload.payload as { by: unknown }).by)).toEqual([
        { role: 'legal-representative', id: parent.ins },
        { role: 'legal-representative', id: parent.ins },
        { role: 'legal-representative', id: parent.ins },
      ]);

      // Keeping documents from the representatives is the author's or the minor's choice.
      const keep = await http<{ errors: Array<{ field: string }> }>('PATCH', `${urlOf(toMask)}/visibility`, tokenFor(parent), { invisibleToLegalRepresentatives: false });
      expect([keep.status, keep.body.errors.map((e) => e.field)]).toEqual([403, ['invisibleToLegalRepresentatives']]);
      // What is kept from them, they can neither archive, delete nor unmask.
      for (const [method, path, body] of [
        ['POST', `${urlOf(keptFromReps)}/archive`, undefined],
        ['DELETE', urlOf(keptFromReps), undefined],
        ['PATCH', `${urlOf(keptFromReps)}/visibility`, { maskedFromProfessionals: true }],
      ] as const) {
        const refused = await http<{ code: string }>(method, path, tokenFor(parent), body);
        expect([method, refused.status, refused.body.code]).toEqual([method, 403, 'ACCESS_REFUSED']);
      }
      // A token that claims to represent the minor is not enough: enrolment must say so.
      const claimed = await http<{ code: string }>('POST', `${urlOf(toMask)}/archive`, tokenFor(claimant));
      expect([claimed.status, claimed.body.code]).toEqual([403, 'NOT_AUTHOR_OR_PATIENT']);
      const rows: Array<{ document_id: string; status: string; masked_from_professionals: boolean }> = await db.query(
        'SELECT document_id, status, masked_from_professionals FROM documents WHERE document_id = ANY($1) ORDER BY document_id',
        [[keptFromReps['documentId'], toMask['documentId']]],
      );
      expect(rows.map((r) => [r.status, r.masked_from_professionals])).toEqual(expect.arrayContaining([['active', false], ['active', true]]));
    });
  });
});
