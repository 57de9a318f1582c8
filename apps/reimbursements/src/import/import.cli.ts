import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import {
  createDataSourceOptions,
  ensureDatabase,
  redactUrl,
  runMigrations,
} from '@dmp/persistence';
import { reimbursementsEntities } from '../database/entities';
import { reimbursementsMigrations } from '../database/migrations';
import { FeedImporter, ImportProgress, ImportSource } from './feed-importer';
import { readSidecarChecksum } from './feed-source';

const DEFAULT_DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:54320/dmp_reimbursements';

/** A progress bar on a terminal, a line every few seconds otherwise (logs, CI). */
export function progressPrinter(
  stream: NodeJS.WriteStream = process.stderr,
): (p: ImportProgress) => void {
  let lastLine = 0;
  return (p) => {
    const ratio = p.totalLines > 0 ? Math.min(1, p.linesDone / p.totalLines) : 1;
    const eta = p.etaSeconds === null ? '--' : `${Math.round(p.etaSeconds)}s`;
    const text = `${p.fileId} ${p.linesDone.toLocaleString('en')}/${p.totalLines.toLocaleString('en')} lines ${Math.round(p.linesPerSecond).toLocaleString('en')}/s ETA ${eta}`;
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(1)}% ${text}\x1b[K`,
      );
      if (ratio >= 1) stream.write('\n');
    } else if (Date.now() - lastLine > 2_000 || ratio >= 1) {
      lastLine = Date.now();
      stream.write(`${(ratio * 100).toFixed(1)}% ${text}\n`);
    }
  };
}

/**
 * npm run import -- <file> [--sha256 HEX] [--connections 2] [--batch-lines 50000]
 * Imports one feed file into the database of DATABASE_URL (the service's own), resuming where a
 * previous run stopped. Exit code 0 when the file is imported (or already was), 2 when refused.
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      sha256: { type: 'string' },
      connections: { type: 'string' },
      'batch-lines': { type: 'string' },
    },
  });
  const path = positionals[0];
  if (!path)
    throw new Error(
      'usage: npm run import -- <file> [--sha256 HEX] [--connections N] [--batch-lines N]',
    );
  const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  await ensureDatabase(url);
  const dataSource = new DataSource(
    createDataSourceOptions({
      url,
      entities: reimbursementsEntities,
      migrations: reimbursementsMigrations,
      serviceName: 'reimbursements-import',
      poolSize: 6,
    }),
  );
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
    const importer = new FeedImporter(dataSource, {
      ...(values.connections ? { connections: Number(values.connections) } : {}),
      ...(values['batch-lines'] ? { batchLines: Number(values['batch-lines']) } : {}),
    });
    process.stderr.write(`importing ${path} into ${redactUrl(url)}\n`);
    const summary = await importer.import(
      {
        path,
        source: ImportSource.CLI,
        expectedSha256: values.sha256 ?? (await readSidecarChecksum(path)),
      },
      progressPrinter(),
    );
    // maxRSS is in KiB: the benchmark reads the importer's peak memory and CPU from here.
    const usage = process.resourceUsage();
    console.log(
      JSON.stringify({
        ...summary,
        peakRssMb: Math.round(usage.maxRSS / 1024),
        cpuSeconds: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1e4) / 100,
      }),
    );
    if (summary.outcome === 'refused') process.exitCode = 2;
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
