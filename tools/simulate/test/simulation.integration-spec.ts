import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActorRole } from '@dmp/domain';
import {
  createTestDatabase,
  startServiceProcess,
  testKafkaBrokers,
  tokenFor,
  waitFor,
  type ServiceProcess,
} from '@dmp/testing';
import type { Actor } from '@dmp/auth';
import {
  runSimulation,
  type ServiceEndpoints,
  type ServiceName,
  type SimulationLedger,
} from '../src';

const SERVICES: readonly ServiceName[] = [
  'enrolment',
  'documents',
  'reimbursements',
  'consent',
  'analytics',
];
const operator = { role: ActorRole.OPERATOR, operatorId: 'simulation-test' } as Actor;

async function get<T>(url: string, actor: Actor): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${tokenFor(actor)}` } });
  return { status: response.status, body: (await response.json()) as T };
}

/**
 * A tiny simulation against the five real services (from dist/: `npm run build` first) on this
 * file's broker, then a few of the ledger's facts looked up again through the public APIs.
 */
describe('runSimulation against the running suite', () => {
  const services: ServiceProcess[] = [];
  const dirs: string[] = [];
  let endpoints: ServiceEndpoints;
  let ledger: SimulationLedger;
  let dropDir: string;

  beforeAll(async () => {
    const dir = (prefix: string): string => {
      const path = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(path);
      return path;
    };
    dropDir = dir('dmp-sim-drop-');
    const spoolDir = dir('dmp-sim-spool-');
    const started = await Promise.all(
      SERVICES.map(async (service) =>
        startServiceProcess(
          service,
          {
            DATABASE_URL: await createTestDatabase(`simulate_${service}`),
            LOG_LEVEL: 'warn',
            ...(service === 'reimbursements'
              ? {
                  REIMBURSEMENTS_DROP_DIR: dropDir,
                  REIMBURSEMENTS_SPOOL_DIR: spoolDir,
                  REIMBURSEMENTS_POLL_MS: '200',
                }
              : {}),
          },
          { readyTimeoutMs: 300_000 },
        ),
      ),
    );
    services.push(...started);
    endpoints = Object.fromEntries(started.map((s) => [s.service, s.url])) as ServiceEndpoints;
    ledger = await runSimulation({
      seed: 20261123,
      scale: 0.02,
      endpoints,
      kafkaBrokers: testKafkaBrokers(),
      feedDelivery: ['upload', 'drop-folder', 'announcement'],
      dropDir,
      workDir: dir('dmp-sim-work-'),
      retryDeadlineMs: 60_000,
      settleTimeoutMs: 60_000,
    });
  }, 480_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('gets a final answer for every action and no anomaly', () => {
    expect(ledger.anomalies).toEqual([]);
    expect(ledger.openings.filter((o) => o.outcome === 'unknown')).toEqual([]);
    expect(ledger.documents.filter((d) => d.outcome === 'unknown')).toEqual([]);
    expect(ledger.feedFiles.filter((f) => f.outcome !== 'completed')).toEqual([]);
    expect(ledger.totals.openings.created).toBeGreaterThan(5);
    expect(ledger.totals.documents.accepted).toBeGreaterThan(3);
    expect(ledger.consultations.length).toBeGreaterThan(0);
  });

  it('records the answers the suite gives to repeats and defects', () => {
    expect(
      ledger.openings
        .filter((o) => o.intent === 'retry-same')
        .every((o) => o.outcome === 'existing'),
    ).toBe(true);
    expect(
      ledger.openings
        .filter((o) => o.intent === 'other-channel')
        .every((o) => o.outcome === 'conflict'),
    ).toBe(true);
    expect(
      ledger.openings.filter((o) => o.intent === 'invalid').every((o) => o.outcome === 'rejected'),
    ).toBe(true);
    expect(
      ledger.documents.filter((d) => d.intent === 'invalid').every((d) => d.outcome === 'rejected'),
    ).toBe(true);
    expect(
      ledger.documents.filter((d) => d.intent === 'resend').every((d) => d.outcome === 'duplicate'),
    ).toBe(true);
  });

  it('opened the records the ledger says it created, and analytics counts each once', async () => {
    const created = ledger.openings.filter((o) => o.outcome === 'created');
    for (const opening of created) {
      const status = await get<{ exists: boolean; status: string }>(
        `${endpoints.enrolment}/records/${opening.ins}/status`,
        operator,
      );
      expect(status.body).toMatchObject({ exists: true, status: 'open' });
    }
    const figures = await waitFor(
      async () => {
        const answer = await get<{ opened: number }>(
          `${endpoints.analytics}/figures/records`,
          operator,
        );
        return answer.body.opened === created.length ? answer.body : undefined;
      },
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        message: 'analytics to count every opening of the run',
      },
    );
    expect(figures.opened).toBe(created.length);
  });

  it('stored each accepted document with the hash the ledger holds, in the right record', async () => {
    const visible = ledger.documents.filter(
      (d) =>
        d.outcome === 'accepted' && d.intent === 'normal' && !d.invisibleToPatientUntilExplained,
    );
    expect(visible.length).toBeGreaterThan(0);
    for (const document of visible.slice(0, 5)) {
      const patient = { role: ActorRole.PATIENT, ins: document.ins } as Actor;
      const answer = await get<{ documentId: string; sha256: string; ins: string }>(
        `${endpoints.documents}/patients/${document.ins}/documents/${encodeURIComponent(document.documentId)}`,
        patient,
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        documentId: document.documentId,
        sha256: document.sha256,
      });
    }
  });

  it('stored, for a patient, as many reimbursement lines as the ledger expects from the files', async () => {
    const expected = new Map<string, number>();
    for (const file of ledger.feedFiles)
      for (const p of file.patients)
        if (p.openRecord) expected.set(p.ins, (expected.get(p.ins) ?? 0) + p.inWindow);
    const [ins, lines] = [...expected.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const patient = { role: ActorRole.PATIENT, ins } as Actor;

    const history = await get<{ total: number }>(
      `${endpoints.reimbursements}/patients/${ins}/reimbursements?pageSize=1`,
      patient,
    );

    expect(history.status).toBe(200);
    expect(history.body.total).toBe(lines);
    expect(ledger.feedFiles.reduce((a, f) => a + (f.counts?.['imported'] ?? 0), 0)).toBe(
      ledger.totals.feedLinesExpectedStored,
    );
  });
});
