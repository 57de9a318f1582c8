import { join } from 'node:path';
import { runChaos, type ChaosResult } from '../src/chaos/run-chaos';
import { formatReport } from '../src/invariants/check-invariants';

/**
 * The chaos run in small: the suite as separate processes from dist/ (`npm run build` first;
 * `npm test` does it), a small simulation while one service instance and the broker are killed
 * with SIGKILL and restarted, then every invariant through the public APIs.
 *
 * It needs processes of its own: its broker is a separate OS process (killed here), not the
 * per-file in-process broker of libs/testing's setup, which this file leaves unused. The
 * databases live on the run's shared PostgreSQL (TEST_DATABASE_URL), under a prefix of this
 * file's own, and are dropped at the end; PostgreSQL's restart is left to `npm run chaos`,
 * which owns its server.
 */
describe('chaos: a small simulation with kill -9 of a service and of the broker', () => {
  let result: ChaosResult;
  const lines: string[] = [];

  beforeAll(async () => {
    const serverUrl = process.env['TEST_DATABASE_URL'];
    if (!serverUrl)
      throw new Error('TEST_DATABASE_URL is not set: run through jest (libs/testing global setup)');
    result = await runChaos({
      root: join(__dirname, '..', '..', '..'),
      seed: 9,
      scale: 0.04,
      database: { kind: 'external', serverUrl, prefix: `chaos_${process.pid}_` },
      // One instance of each service: on two CI cores, seven processes already share them.
      instances: {},
      maxKills: 2,
      minKills: 2,
      gapMs: [1_000, 3_000],
      downMs: [300, 1_000],
      // Bounds, not expectations: on two quiet cores a boot takes seconds.
      readyTimeoutMs: 180_000,
      invariantDeadlineMs: 60_000,
      log: (line) => lines.push(line),
    });
  }, 600_000);

  afterAll(() => {
    if (!result?.invariants.holds) process.stderr.write(`chaos e2e log:\n${lines.join('\n')}\n`);
    else process.stderr.write(`chaos e2e: ${JSON.stringify(result.summary)}\n`);
  });

  it('kills a service instance and the broker, and brings both back', () => {
    const killed = result.faults.faults.filter((f) => f.action === 'kill -9').map((f) => f.target);

    expect(result.faults.kills).toBeGreaterThanOrEqual(2);
    expect(killed).toContain('broker');
    expect(killed.some((target) => target !== 'broker')).toBe(true);
    expect(result.faults.faults.filter((f) => f.problem)).toEqual([]);
  });

  it('did real work: records opened, documents accepted, reimbursement lines imported, consultations traced', () => {
    const totals = result.ledger.totals;

    expect(totals.openings.created).toBeGreaterThan(0);
    expect(totals.documents.accepted).toBeGreaterThan(0);
    expect(totals.feedLinesExpectedStored).toBeGreaterThan(0);
    expect(totals.consultations.granted).toBeGreaterThan(0);
  });

  it('loses nothing and duplicates nothing: every invariant holds', () => {
    const broken = result.invariants.results.filter((r) => !r.holds);

    expect({ broken: broken.length ? formatReport(result.invariants) : [] }).toEqual({
      broken: [],
    });
    expect(result.summary).toMatchObject({ holds: true, lost: 0, duplicated: 0, unexpected: 0 });
  });
});
