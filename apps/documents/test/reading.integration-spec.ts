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
import { EventProducer, Establishment, aDocument, aSubmission, http, outboxEvents, professionalAuthorised, recordOpened } from './documents-test-kit';

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

  async function patientWith(documents: Array<Record<string, unknown>>, ins: Ins): Promise<void> {
    await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
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
    await patientWith([plain, masked, unexplained, hiddenFromReps], ins);
    const titles = async (token: string): Promise<string[]> => {
      const page = await http<ListPage>('GET', `${sut.url}/patients/${ins}/documents`, token);
      expect(page.status).toBe(200);
      return page.body.items.map((d) => d.title).sort();
    };
    expect(await titles(tokenFor(otherPhysician))).toEqual(['hidden-from-reps', 'plain', 'unexplained']);
    expect(await titles(tokenFor(authorActor))).toEqual([]);
    expect(await titles(tokenFor(aPatient().withIns(ins)))).toEqual(['hidden-from-reps', 'masked', 'plain']);
    expect(await titles(tokenFor(aLegalRepresentative().representing(ins)))).toEqual(['masked', 'plain']);
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
});
