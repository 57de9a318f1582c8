import { SubmissionOutcome, Topics } from '@dmp/contracts';
import { EstablishmentCategory, Ins, Profession } from '@dmp/domain';
import { ServiceProcess, aPatient, aProfessional, anEstablishment, createTestDatabase, reseedBuilders, startServiceProcess, tokenFor, waitFor } from '@dmp/testing';
import { EventProducer, aDocument, aSubmission, http, recordOpened } from '../../documents/test/documents-test-kit';

// Identifiers from this file's own seed: other files' services never see these patients.
reseedBuilders(707);

interface TraceItem {
  granted: boolean;
  producer: string;
  accessor: { id: string };
}

/**
 * The consent service's choices reach the services that serve data only through events: this
 * runs the three real services (from dist/, `npm run build` first) on one broker and checks that
 * an authorisation given, then revoked, in consent opens, then closes, reads in documents and in
 * reimbursements, and that consent's trace shows every one of those reads.
 */
describe('a revocation in consent, seen by the documents and reimbursements services', () => {
  const services: ServiceProcess[] = [];
  let consent: ServiceProcess;
  let documents: ServiceProcess;
  let reimbursements: ServiceProcess;
  let producer: EventProducer;

  beforeAll(async () => {
    const env = async (name: string): Promise<Record<string, string>> => ({ DATABASE_URL: await createTestDatabase(name), LOG_LEVEL: 'warn' });
    [consent, documents, reimbursements] = await Promise.all([
      startServiceProcess('consent', await env('revocation_consent'), { readyTimeoutMs: 90_000 }),
      startServiceProcess('documents', await env('revocation_documents'), { readyTimeoutMs: 90_000 }),
      startServiceProcess('reimbursements', await env('revocation_reimbursements'), { readyTimeoutMs: 90_000 }),
    ]);
    services.push(consent, documents, reimbursements);
    producer = await EventProducer.connect();
  }, 120_000);

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all(services.map((s) => s.stop()));
  });

  it('opens reads in both services when the patient authorises, and closes them when the patient revokes', async () => {
    const patient = aPatient().build();
    const ins = patient.ins as Ins;
    const patientToken = tokenFor(patient);
    const physician = aProfessional().withProfession(Profession.PHYSICIAN).build();
    const physicianToken = tokenFor(physician);
    const hospital = anEstablishment().withCategory(EstablishmentCategory.HOSPITAL).build();
    const author = aProfessional().build();

    // The opening, as enrolment publishes it; documents accepts a submission once it knows the record.
    await producer.publish(Topics.RECORD_OPENED, [recordOpened(ins)]);
    const submission = aSubmission({ finess: hospital.finess, kind: hospital.kind, category: hospital.category }, [aDocument(ins, { rpps: author.rpps, profession: author.profession })]);
    // Accepted at once if documents already knows the record, else parked and filed when it does.
    const answer = await http<{ results: Array<{ outcome: string }> }>('POST', `${documents.url}/submissions`, tokenFor(hospital), submission);
    expect(answer.status).toBe(200);
    expect([SubmissionOutcome.ACCEPTED, SubmissionOutcome.PARKED]).toContain(answer.body.results[0]?.outcome);
    await waitFor(
      async () => {
        const own = await http<{ items: unknown[] }>('GET', `${documents.url}/patients/${ins}/documents`, patientToken);
        return own.status === 200 && own.body.items.length === 1;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: 'the document to be filed in the record' },
    );

    const readDocuments = () => http<{ items: unknown[]; refused: number }>('GET', `${documents.url}/patients/${ins}/documents`, physicianToken);
    const readHistory = () => http('GET', `${reimbursements.url}/patients/${ins}/reimbursements`, physicianToken);
    // A list shows what the reader may see and counts the rest; the history is all or nothing.
    const refusedEverywhere = async () => {
      const [d, r] = await Promise.all([readDocuments(), readHistory()]);
      return d.status === 200 && d.body.items.length === 0 && d.body.refused === 1 && r.status === 403;
    };
    await waitFor(refusedEverywhere, { timeoutMs: 30_000, intervalMs: 200, message: 'both services to know the record and refuse an unauthorised physician' });

    const authorised = await http('POST', `${consent.url}/patients/${ins}/consent/authorisations`, patientToken, { kind: 'professional', rpps: physician.rpps });
    expect(authorised.status).toBe(200);
    const granted = await waitFor(
      async () => {
        const [d, r] = await Promise.all([readDocuments(), readHistory()]);
        return d.status === 200 && d.body.items.length === 1 && r.status === 200 ? d : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'the authorisation to reach documents and reimbursements' },
    );
    expect(granted.body.refused).toBe(0);

    const revoked = await http('DELETE', `${consent.url}/patients/${ins}/consent/authorisations/professionals/${physician.rpps}`, patientToken);
    expect(revoked.status).toBe(200);
    await waitFor(refusedEverywhere, { timeoutMs: 30_000, intervalMs: 200, message: 'the revocation to reach documents and reimbursements' });

    // Every read above, granted or refused, from both services, is in the patient's trace.
    const trace = await waitFor(
      async () => {
        const page = await http<{ items: TraceItem[] }>('GET', `${consent.url}/patients/${ins}/access-trace?limit=200`, patientToken);
        const mine = page.body.items.filter((i) => i.accessor.id === physician.rpps);
        const from = (producer: string, granted: boolean) => mine.some((i) => i.producer === producer && i.granted === granted);
        return from('documents', true) && from('documents', false) && from('reimbursements', true) && from('reimbursements', false) ? mine : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: "the reads of both services in consent's trace, granted and refused" },
    );
    expect(trace.length).toBeGreaterThanOrEqual(4);
  }, 240_000);
});
