// Benchmark of the reimbursements import and read paths (apps/reimbursements).
//
// 1. Generates an insurer feed file of N lines (default 10,000,000; --lines N to run smaller)
//    with the insurer-feed tool: clean lines, every patient with an open DMP, so the import and
//    the baseline store exactly the same rows.
// 2. Baseline, same run, same table design: raw PostgreSQL COPY of the file's rows (one stream,
//    then two streams) into a database created by the service's own migrations and partitions.
// 3. End to end: `npm run import` (the CLI, a child process: its peak RSS is its own) from the
//    file to committed rows, checksum and line-count verification included.
// 4. Read path: the service itself (dist/apps/reimbursements/src/main.js) on the imported data;
//    GET /patients/:ins/reimbursements as the patient (access decision and access event
//    included): p50/p99 with one reader, then reads/s and p99 with 8 concurrent readers.
// The last line printed is one JSON object with every figure.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { emptyConsentState } from '@dmp/access-rules';
import { issueDevToken } from '@dmp/auth';
import { ActorRole, Ins } from '@dmp/domain';
import { startEmbeddedPostgres, withDatabase } from '@dmp/persistence';

const repoRoot = resolve(__dirname, '..', '..', '..', '..');
const DEV_SECRET = 'dmp-development-secret-do-not-use-in-production';

function log(line: string): void {
  console.log(line);
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function runNode(script: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(process.execPath, [join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
}

/** Streams a byte range of the file (data lines only) into COPY on its own connection. */
async function rawCopy(url: string, file: string, start: number, end: number): Promise<void> {
  await withClient(url, async (client) => {
    await pipeline(
      createReadStream(file, { start, end: end - 1, highWaterMark: 1 << 20 }),
      client.query(copyFrom('COPY reimbursement_lines FROM STDIN (FORMAT csv)')),
    );
  });
}

/** Byte offset of the first data line, and a line boundary near the middle of the data. */
function layout(file: string): { dataStart: number; middle: number; size: number } {
  const size = statSync(file).size;
  const head = Buffer.alloc(64 * 1024);
  const fd = openSync(file, 'r');
  readSync(fd, head, 0, head.length, 0);
  const first = head.indexOf(10);
  const dataStart = head.indexOf(10, first + 1) + 1;
  const probe = Buffer.alloc(64 * 1024);
  const approx = Math.floor((dataStart + size) / 2);
  readSync(fd, probe, 0, probe.length, approx);
  closeSync(fd);
  return { dataStart, middle: approx + probe.indexOf(10) + 1, size };
}

async function rowCount(url: string): Promise<number> {
  return withClient(url, async (c) =>
    Number((await c.query('SELECT count(*) AS n FROM reimbursement_lines')).rows[0].n),
  );
}

async function startService(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [join(repoRoot, 'dist/apps/reimbursements/src/main.js')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      AUTH_DEV_ISSUER: 'true',
      NODE_ENV: 'development',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (Date.now() > deadline)
      throw new Error('the reimbursements service did not become ready in 60 s');
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, url };
}

function get(agent: Agent, url: string, token: string): Promise<number> {
  return new Promise((resolveGet, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${url}: ${res.statusCode}`));
        else resolveGet(Number(process.hrtime.bigint() - started) / 1e6);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The broker in its own process: in this one it would share the event loop with the HTTP
 * clients whose latency is measured (the service's outbox relay publishes every access event).
 */
async function startBrokerProcess(
  dataDir: string,
): Promise<{ child: ChildProcess; bootstrap: string }> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'dist/tools/embedded-kafka/src/cli.js'), '--port', '0', '--data-dir', dataDir],
    {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  return new Promise((resolveStart, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error('the broker did not start in 30 s')), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /broker ready (\S+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolveStart({ child, bootstrap: match[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`the broker exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string', default: '10000000' },
      'read-seconds': { type: 'string', default: '10' },
      'keep-data': { type: 'boolean', default: false },
    },
  });
  const lines = Number(values.lines);
  const work = mkdtempSync(join(tmpdir(), 'bench-reimbursements-'));
  const file = join(work, 'backfill.csv');
  const patientsFile = join(work, 'patients.txt');
  log(`reimbursements bench: ${lines.toLocaleString('en')} lines, work dir ${work}`);

  // PostgreSQL tuned for bulk loading, durability kept (fsync on): bigger shared buffers and WAL
  // between checkpoints so a 10M-line load is not dominated by checkpoint full-page writes.
  const pgPort = 30_000 + Math.floor(Math.random() * 20_000);
  let pg = await startEmbeddedPostgres({ dataDir: join(work, 'pg'), port: pgPort });
  await withClient(pg.url, async (c) => {
    for (const sql of [
      "ALTER SYSTEM SET shared_buffers = '1GB'",
      "ALTER SYSTEM SET max_wal_size = '16GB'",
      "ALTER SYSTEM SET checkpoint_timeout = '30min'",
      "ALTER SYSTEM SET wal_buffers = '64MB'",
      "ALTER SYSTEM SET maintenance_work_mem = '256MB'",
    ])
      await c.query(sql);
  });
  await pg.stop();
  pg = await startEmbeddedPostgres({ dataDir: join(work, 'pg'), port: pgPort });
  const broker = await startBrokerProcess(join(work, 'kafka'));

  try {
    let t = Date.now();
    const generated = JSON.parse(
      runNode('dist/tools/insurer-feed/src/generate.cli.js', [
        '--out',
        file,
        '--lines',
        String(lines),
        '--seed',
        '2026',
        '--out-of-window-ratio',
        '0',
        '--bad-ratio',
        '0',
        '--patients-out',
        patientsFile,
      ]),
    ) as { bytes: number; patients: number };
    log(
      `generated ${lines.toLocaleString('en')} lines, ${round(generated.bytes / 1e6)} MB, ${generated.patients.toLocaleString('en')} patients in ${round((Date.now() - t) / 1000, 1)} s`,
    );

    // The table design comes from the service itself: migrations and monthly partitions, created
    // by importing a one-line file (then emptied), then cloned for the baselines.
    const importUrl = withDatabase(pg.url, 'bench_import');
    const tiny = join(work, 'tiny.csv');
    runNode('dist/tools/insurer-feed/src/generate.cli.js', [
      '--out',
      tiny,
      '--lines',
      '1',
      '--seed',
      '1',
      '--out-of-window-ratio',
      '0',
      '--file-id',
      'BENCH-SCHEMA',
    ]);
    runNode('dist/apps/reimbursements/src/import/import.cli.js', [tiny], {
      DATABASE_URL: importUrl,
    });
    await withClient(importUrl, (c) =>
      c.query(
        'TRUNCATE reimbursement_lines, reimbursement_files, reimbursement_import_batches, reimbursement_import_rejects, outbox_events',
      ),
    );
    await withClient(pg.url, async (c) => {
      await c.query('CREATE DATABASE bench_raw1 TEMPLATE bench_import');
      await c.query('CREATE DATABASE bench_raw2 TEMPLATE bench_import');
    });
    const patients = readFileSync(patientsFile, 'utf8').split('\n').filter(Boolean);
    await withClient(importUrl, (c) =>
      c.query(
        `INSERT INTO reimbursement_open_records (ins, is_open, opened_at, last_event_at) SELECT unnest($1::text[]), true, now(), now()`,
        [patients],
      ),
    );
    const { dataStart, middle, size } = layout(file);

    // Baseline 1: one raw COPY stream.
    const raw1Url = withDatabase(pg.url, 'bench_raw1');
    await withClient(pg.url, (c) => c.query('CHECKPOINT'));
    t = Date.now();
    await rawCopy(raw1Url, file, dataStart, size);
    const raw1Seconds = (Date.now() - t) / 1000;
    const raw1Rows = await rowCount(raw1Url);
    const raw1Rate = raw1Rows / raw1Seconds;
    log(
      `raw COPY, 1 stream: ${raw1Rows.toLocaleString('en')} rows in ${round(raw1Seconds, 1)} s = ${round(raw1Rate).toLocaleString('en')} rows/s`,
    );

    // Baseline 2: two raw COPY streams (the importer loads two batches at a time).
    const raw2Url = withDatabase(pg.url, 'bench_raw2');
    await withClient(pg.url, (c) => c.query('CHECKPOINT'));
    t = Date.now();
    await Promise.all([
      rawCopy(raw2Url, file, dataStart, middle),
      rawCopy(raw2Url, file, middle, size),
    ]);
    const raw2Seconds = (Date.now() - t) / 1000;
    const raw2Rows = await rowCount(raw2Url);
    const raw2Rate = raw2Rows / raw2Seconds;
    log(
      `raw COPY, 2 streams: ${raw2Rows.toLocaleString('en')} rows in ${round(raw2Seconds, 1)} s = ${round(raw2Rate).toLocaleString('en')} rows/s`,
    );
    await withClient(pg.url, async (c) => {
      await c.query('DROP DATABASE bench_raw1');
      await c.query('DROP DATABASE bench_raw2');
      await c.query('CHECKPOINT');
    });

    // End to end: the import CLI, file to committed rows.
    t = Date.now();
    const out = runNode('dist/apps/reimbursements/src/import/import.cli.js', [file], {
      DATABASE_URL: importUrl,
    });
    const wallSeconds = (Date.now() - t) / 1000;
    const summary = JSON.parse(out.trim().split('\n').pop() as string) as {
      counts: { read: number; imported: number };
      seconds: number;
      peakRssMb: number;
    };
    const importedRows = await rowCount(importUrl);
    if (importedRows !== raw1Rows || summary.counts.imported !== importedRows) {
      throw new Error(
        `the import stored ${importedRows} rows (reported ${summary.counts.imported}), the raw COPY ${raw1Rows}`,
      );
    }
    const importRate = summary.counts.read / summary.seconds;
    const bestRaw = Math.max(raw1Rate, raw2Rate);
    log(
      `import end to end: ${summary.counts.read.toLocaleString('en')} lines in ${round(summary.seconds, 1)} s (process wall ${round(wallSeconds, 1)} s) = ${round(importRate).toLocaleString('en')} lines/s, ` +
        `peak RSS ${summary.peakRssMb} MB, ratio ${round(importRate / raw1Rate, 2)} of 1-stream raw COPY, ${round(importRate / bestRaw, 2)} of the best raw COPY`,
    );

    // Read path through the HTTP API.
    const sample = patients
      .filter((_, i) => i % Math.max(1, Math.floor(patients.length / 2000)) === 0)
      .slice(0, 2000);
    await withClient(importUrl, async (c) => {
      const states = sample.map((ins) =>
        JSON.stringify({
          ...emptyConsentState(ins),
          record: { status: 'open', changedAt: new Date().toISOString() },
        }),
      );
      await c.query(
        `INSERT INTO reimbursement_consent_states (ins, state, updated_at) SELECT unnest($1::text[]), unnest($2::jsonb[]), now()`,
        [sample, states],
      );
      await c.query('ANALYZE');
    });
    // Baseline for reads, same run: the raw indexed query of a patient's 24 months, straight
    // through the pg driver (no HTTP, no access check, no access event).
    const rawSql = `SELECT line_id, care_date, coding_system, code, label, quantity, prescriber, performer, charged_cents, reimbursed_cents
                      FROM reimbursement_lines WHERE ins = $1 ORDER BY care_date DESC LIMIT 50`;
    const rawClients = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const c = new Client({ connectionString: importUrl });
        await c.connect();
        return c;
      }),
    );
    const rawTime = async (client: Client, i: number): Promise<number> => {
      const started = process.hrtime.bigint();
      await client.query(rawSql, [sample[i % sample.length]]);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    for (let i = 0; i < 300; i++) await rawTime(rawClients[0], i);
    const rawSingle: number[] = [];
    for (let i = 0; i < 2000; i++) rawSingle.push(await rawTime(rawClients[0], i + 7));
    rawSingle.sort((a, b) => a - b);
    const rawConcurrent: number[] = [];
    const rawStopAt = Date.now() + 5_000;
    let rawNext = 0;
    const rawStarted = Date.now();
    await Promise.all(
      rawClients.map(async (client) => {
        while (Date.now() < rawStopAt) rawConcurrent.push(await rawTime(client, rawNext++ * 13));
      }),
    );
    const rawReadsPerSecond = rawConcurrent.length / ((Date.now() - rawStarted) / 1000);
    await Promise.all(rawClients.map((c) => c.end()));
    log(
      `raw indexed query (baseline), 1 client: p50 ${round(percentile(rawSingle, 50), 2)} ms, p99 ${round(percentile(rawSingle, 99), 2)} ms; 8 clients: ${round(rawReadsPerSecond).toLocaleString('en')} queries/s`,
    );

    const service = await startService({
      DATABASE_URL: importUrl,
      KAFKA_BROKERS: broker.bootstrap,
      HEARTBEAT_INTERVAL_MS: '0',
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const tokens = sample.map((ins) =>
      issueDevToken({ role: ActorRole.PATIENT, ins: ins as Ins }, DEV_SECRET),
    );
    const target = (i: number) =>
      `${service.url}/patients/${sample[i % sample.length]}/reimbursements?pageSize=50`;
    for (let i = 0; i < 300; i++) await get(agent, target(i), tokens[i % tokens.length]); // warm-up
    const single: number[] = [];
    const singleStarted = Date.now();
    for (let i = 0; i < 2000; i++)
      single.push(await get(agent, target(i + 7), tokens[(i + 7) % tokens.length]));
    const singleSeconds = (Date.now() - singleStarted) / 1000;
    single.sort((a, b) => a - b);
    log(
      `history read, 1 reader: p50 ${round(percentile(single, 50), 2)} ms, p99 ${round(percentile(single, 99), 2)} ms, ${round(single.length / singleSeconds)} reads/s`,
    );

    const readSeconds = Number(values['read-seconds']);
    const concurrent: number[] = [];
    const stopAt = Date.now() + readSeconds * 1000;
    let next = 0;
    const concurrentStarted = Date.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() < stopAt) {
          const i = next++;
          concurrent.push(await get(agent, target(i * 13), tokens[(i * 13) % tokens.length]));
        }
      }),
    );
    const concurrentSeconds = (Date.now() - concurrentStarted) / 1000;
    concurrent.sort((a, b) => a - b);
    const readsPerSecond = concurrent.length / concurrentSeconds;
    log(
      `history read, 8 readers: ${round(readsPerSecond).toLocaleString('en')} reads/s, p50 ${round(percentile(concurrent, 50), 2)} ms, p99 ${round(percentile(concurrent, 99), 2)} ms (dataset ${importedRows.toLocaleString('en')} lines)`,
    );
    agent.destroy();
    service.child.kill('SIGTERM');
    await new Promise((r) => service.child.once('exit', r));

    const result = {
      bench: 'reimbursements',
      lines,
      fileMb: round(size / 1e6),
      importLinesPerSecond: round(importRate),
      importSeconds: round(summary.seconds, 1),
      importPeakRssMb: summary.peakRssMb,
      rawCopy1StreamRowsPerSecond: round(raw1Rate),
      rawCopy2StreamsRowsPerSecond: round(raw2Rate),
      ratioToRawCopy1Stream: round(importRate / raw1Rate, 3),
      ratioToBestRawCopy: round(importRate / bestRaw, 3),
      readDatasetLines: importedRows,
      readP50Ms1Reader: round(percentile(single, 50), 2),
      readP99Ms1Reader: round(percentile(single, 99), 2),
      readsPerSecond8Readers: round(readsPerSecond),
      readP99Ms8Readers: round(percentile(concurrent, 99), 2),
      rawQueryP99Ms1Client: round(percentile(rawSingle, 99), 2),
      rawQueriesPerSecond8Clients: round(rawReadsPerSecond),
      readsRatioToRawQuery8: round(readsPerSecond / rawReadsPerSecond, 3),
      targets: {
        importLinesPerSecond: 150_000,
        ratioToRawCopy: 0.7,
        peakRssMb: 400,
        readP99Ms: 10,
        readsPerSecond8Readers: 1_500,
      },
    };
    writeFileSync(join(work, 'result.json'), JSON.stringify(result));
    console.log(JSON.stringify(result));
  } finally {
    broker.child.kill('SIGTERM');
    await pg.stop();
    if (!values['keep-data']) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
