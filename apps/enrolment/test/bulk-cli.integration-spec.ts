import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBulkCli } from '../src/bulk/bulk.cli';
import { newIns } from './support/builders';
import { EnrolmentTestApp, startEnrolmentApp } from './support/enrolment-test-app';

describe(runBulkCli.name, () => {
  let sut: EnrolmentTestApp;
  const dir = mkdtempSync(join(tmpdir(), 'enrol-bulk-cli-'));

  beforeAll(async () => {
    sut = await startEnrolmentApp({ ENROLMENT_BULK_BATCH_SIZE: '250' });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('streams a CSV campaign to the service, prints the counts and writes the per-row result file', async () => {
    const file = join(dir, 'campaign.csv');
    const good = Array.from({ length: 1000 }, () => `${newIns()};DURAND;Paul;1970-01-01;751;paul@example.fr;2026-01-05T09:00:00Z`);
    writeFileSync(file, ['ins;familyName;givenNames;birthDate;cpamCode;email;consentAt', ...good, '123;X;Y;1970-01-01;751;x@example.fr;2026-01-05T09:00:00Z'].join('\n') + '\n');
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const code = await runBulkCli(
        ['--file', file, '--url', sut.url, '--dev-actor', JSON.stringify({ role: 'cpam-agent', agentId: 'campaign-1', cpamCode: '751' }), '--no-progress', '--results-format', 'csv'],
        {},
      );
      expect(code).toBe(0);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    expect(JSON.parse(out[out.length - 1])).toMatchObject({ status: 'completed', rows: 1001, opened: 1000, rejected: 1, results: `${file}.results.csv` });
    const results = readFileSync(`${file}.results.csv`, 'utf8').trim().split('\n');
    expect(results).toHaveLength(1002);
    expect(results[0]).toBe('line,ins,outcome,recordId,error');
    expect(results[1]).toMatch(new RegExp(`^2,${good[0].slice(0, 15)},opened,[0-9a-f-]{36},$`));
    expect(results[1001]).toBe('1002,123,rejected,,"ins: INS must have 15 characters (13 for the NIR and 2 for the key), got 3"');
  });

  it('exits 2 with the usage on a bad command line', async () => {
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await runBulkCli(['--url', sut.url], {})).toBe(2);
    } finally {
      err.mockRestore();
    }
  });
});
