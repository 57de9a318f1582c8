import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { waitFor } from '@dmp/testing';
import { FeedImporter, ImportSource } from '../src/import/feed-importer';
import { aTempDir } from './support/feed-builder';
import { ensureBuilt, generateCli, importCli, repoRoot } from './support/dist';
import {
  aReimbursementsDatabase,
  countLines,
  openRecords,
} from './support/reimbursements-database';

interface CliSummary {
  outcome: string;
  counts: {
    read: number;
    imported: number;
    duplicates: number;
    rejected: number;
    unknownPatient: number;
    outOfWindow: number;
  };
  resumedFromLine: number;
}

function runCli(url: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [importCli, ...args], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finish(
  child: ChildProcess,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('import killed with SIGKILL mid-file', () => {
  const lines = 120_000;
  let crashed: { url: string; dataSource: DataSource };
  let reference: { url: string; dataSource: DataSource };
  let file: string;

  beforeAll(async () => {
    ensureBuilt();
    const dir = aTempDir();
    file = join(dir, 'backfill.csv');
    const patients = join(dir, 'patients.txt');
    execFileSync(
      process.execPath,
      [
        generateCli,
        '--out',
        file,
        '--lines',
        String(lines),
        '--seed',
        '42',
        '--bad-ratio',
        '0.002',
        '--patients-out',
        patients,
      ],
      { cwd: repoRoot },
    );
    const ins = readFileSync(patients, 'utf8').split('\n').filter(Boolean);
    const open = ins.filter((_, i) => i % 10 !== 0); // one patient in ten has no DMP
    crashed = await aReimbursementsDatabase('reimbursements_crash');
    reference = await aReimbursementsDatabase('reimbursements_reference');
    await openRecords(crashed.dataSource, open);
    await openRecords(reference.dataSource, open);
  }, 120_000);

  afterAll(async () => {
    await crashed?.dataSource.destroy();
    await reference?.dataSource.destroy();
  });

  it('resumes from its last checkpoint and ends with the exact counts of an uninterrupted import', async () => {
    const sut = runCli(crashed.url, [file, '--batch-lines', '2000', '--connections', '2']);
    const exited = finish(sut);
    await waitFor(
      async () => {
        const [row] = (await crashed.dataSource.query(
          'SELECT count(*)::int AS n FROM reimbursement_import_batches',
        )) as { n: number }[];
        return row.n >= 4;
      },
      { timeoutMs: 60_000, intervalMs: 20, message: 'the import to commit a few batches' },
    );
    sut.kill('SIGKILL');
    const killed = await exited;
    expect(killed.code).toBeNull();
    const [progress] = (await crashed.dataSource.query(
      `SELECT status FROM reimbursement_files`,
    )) as { status: string }[];
    expect(progress.status).toBe('importing');

    const restarted = await finish(
      runCli(crashed.url, [file, '--batch-lines', '2000', '--connections', '2']),
    );
    expect(restarted.code).toBe(0);
    const resumed = JSON.parse(restarted.stdout.trim().split('\n').pop() as string) as CliSummary;
    const uninterrupted = await new FeedImporter(reference.dataSource, { batchLines: 7000 }).import(
      {
        path: file,
        source: ImportSource.CLI,
        expectedSha256: readFileSync(`${file}.sha256`, 'utf8').slice(0, 64),
      },
    );

    expect(resumed.resumedFromLine).toBeGreaterThan(0);
    expect(resumed.outcome).toBe('completed');
    expect(resumed.counts).toEqual(uninterrupted.counts);
    expect(resumed.counts.read).toBe(lines);
    expect(resumed.counts.duplicates).toBe(0);
    expect(await countLines(crashed.dataSource)).toBe(resumed.counts.imported);
    expect(await countLines(reference.dataSource)).toBe(resumed.counts.imported);
  }, 180_000);
});
