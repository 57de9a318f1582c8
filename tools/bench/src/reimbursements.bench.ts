// Benchmark of the reimbursements import and read paths (apps/reimbursements).
//
// 1. Generates an insurer feed file of N lines (default 10,000,000; --lines N to run smaller)
//    with the insurer-feed tool: clean lines, every patient with an open DMP, so the import and
//    the baseline store exactly the same rows.
// 2. Baseline, same run, same table design: raw PostgreSQL COPY of the file's rows (one stream,
//    then --streams streams, default 2) into a database created by the service's own migrations
//    and partitions.
// 3. End to end: `npm run import` (the CLI, a child process: its peak RSS is its own) from the
//    file to committed rows, checksum and line-count verification included, loading --streams
//    batches in parallel. The ratio that counts is to the raw COPY with the same number of
//    streams; the CPU per line of the importer and of PostgreSQL is printed for both sides.
// 4. Read path on --read-lines lines (default 50,000,000, the issue's figure; BENCH_READ_LINES
//    too): the imported lines topped up with SQL-generated lines of other patients. The service
//    itself (dist/apps/reimbursements/src/main.js) serves GET /patients/:ins/reimbursements as
//    the patient (access decision and durable access event included): p50/p99 with one reader,
//    then reads/s and p99 with 8 concurrent readers, and the CPU each read costs the service,
//    PostgreSQL and the bench's own clients. The floor of the shared HTTP path (an authenticated
//    route with one primary-key query) is measured the same way, and the raw indexed query.
//    --reads-only skips 1-3 (with --work-dir, the dataset is kept and reused between runs).
// The last line printed is one JSON object with every figure.
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs, promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { emptyConsentState } from '@dmp/access-rules';
import { issueDevToken } from '@dmp/auth';
import { ActorRole, Ins } from '@dmp/domain';
import { startEmbeddedPostgres, withDatabase } from '@dmp/persistence';
import { freePort } from '@dmp/testing';
import { round, startBrokerProcess } from './support/processes';
import { RawHttpConnection } from './support/raw-http';

const repoRoot = resolve(__dirname, '..', '..', '..', '..');
const DEV_SECRET = 'dmp-development-secret-do-not-use-in-production';

function log(line: string): void {
  console.log(line);
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

/** runNode without blocking the event loop (the PostgreSQL CPU sampler runs meanwhile). */
async function runNodeAsync(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(repoRoot, script), ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  return stdout;
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

/** Byte offsets cutting the data lines into `parts` ranges of about the same size, on line boundaries. */
function layout(file: string, parts: number): { dataStart: number; cuts: number[]; size: number } {
  const size = statSync(file).size;
  const head = Buffer.alloc(64 * 1024);
  const fd = openSync(file, 'r');
  readSync(fd, head, 0, head.length, 0);
  const first = head.indexOf(10);
  const dataStart = head.indexOf(10, first + 1) + 1;
  const cuts = [dataStart];
  const probe = Buffer.alloc(64 * 1024);
  for (let k = 1; k < parts; k++) {
    const approx = Math.floor(dataStart + ((size - dataStart) * k) / parts);
    readSync(fd, probe, 0, probe.length, approx);
    cuts.push(approx + probe.indexOf(10) + 1);
  }
  cuts.push(size);
  closeSync(fd);
  return { dataStart, cuts, size };
}

async function rowCount(url: string): Promise<number> {
  return withClient(url, async (c) =>
    Number((await c.query('SELECT count(*) AS n FROM reimbursement_lines')).rows[0].n),
  );
}

async function startService(
  env: NodeJS.ProcessEnv,
  cpuProfileDir?: string,
): Promise<{ child: ChildProcess; url: string; port: number }> {
  const port = await freePort();
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, join(repoRoot, 'dist/apps/reimbursements/src/main.js')],
    {
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
    },
  );
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
  return { child, url, port };
}

/** One GET on a raw keep-alive connection: its latency in ms; anything but a 200 fails the run. */
async function get(connection: RawHttpConnection, path: string, token: string): Promise<number> {
  const started = process.hrtime.bigint();
  const answer = await connection.get(path, token);
  if (answer.status !== 200)
    throw new Error(`GET ${path}: ${answer.status} ${answer.body.toString('utf8', 0, 300)}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** CPU time (ms) a process has used so far, from /proc (Linux). 0 when it is gone. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, 100 Hz ticks
  } catch {
    return 0;
  }
}

/**
 * CPU time (ms) of the whole PostgreSQL server: the postmaster, its live children (backends,
 * WAL writer, checkpointer, autovacuum) and the children that already exited (the postmaster's
 * cutime/cstime: a COPY's backend is gone by the time its connection is closed).
 */
function postgresCpuMs(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const own = readFileSync(`/proc/${postmaster}/stat`, 'utf8');
  const ownFields = own.slice(own.lastIndexOf(')') + 2).split(' ');
  let total =
    ((Number(ownFields[11]) +
      Number(ownFields[12]) +
      Number(ownFields[13]) +
      Number(ownFields[14])) *
      1000) /
    100;
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === postmaster) total += processCpuMs(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/**
 * CPU of the PostgreSQL server over a phase, by sampling every process of the server every
 * 50 ms and summing, per process, the CPU it used since the phase started (or since it
 * appeared). Reading the postmaster's cutime once at each end proved unreliable: a COPY
 * backend's CPU went missing in some runs (a 1-stream COPY at 0.17 µs/row, another at 12),
 * depending on when the exiting backend was reaped. A process's last < 50 ms are not seen.
 */
class PostgresCpuSampler {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly postmaster: number;

  constructor(dataDir: string) {
    this.postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    this.sample(true);
    this.timer = setInterval(() => this.sample(false), 50);
  }

  /** Stops sampling; the CPU (ms) the server used since the sampler started. */
  stop(): number {
    clearInterval(this.timer);
    this.sample(false);
    let total = 0;
    for (const [pid, ms] of this.last) total += ms - (this.first.get(pid) ?? 0);
    return total;
  }

  private sample(initial: boolean): void {
    for (const entry of readdirSync('/proc')) {
      if (!/^[0-9]+$/.test(entry)) continue;
      const pid = Number(entry);
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (pid !== this.postmaster && Number(fields[1]) !== this.postmaster) continue;
        if (fields[0] === 'Z') continue; // a zombie's times are no longer its own
        const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
        if (initial) this.first.set(pid, ms);
        this.last.set(pid, ms);
      } catch {
        // exited meanwhile
      }
    }
  }
}

function selfCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * Fills the table up to `target` lines with SQL-generated lines of other patients (about 50
 * lines each over the 25 months of the window), quarter by quarter on two connections, so that
 * a read is measured on the issue's 50 million lines without generating and importing a 7 GB
 * file. Every generated INS is valid (sex digit 8, key computed like the NIR's). Each quarter's
 * lines go in sorted by (ins, line_id), the order the importer writes a batch in (see copyOrder
 * in the importer): a patient's lines of a quarter side by side, as a backfill leaves them. The
 * partitions exist already (the service's importer creates the window's).
 */
async function topUp(url: string, current: number, target: number): Promise<number> {
  const missing = target - current;
  if (missing <= 0) return 0;
  const started = Date.now();
  const months = 25;
  const perMonth = Math.ceil(missing / months);
  const patients = Math.max(1, Math.round(missing / 50));
  // Ids from 9,000,000,000 in each month: above any sequence the insurer-feed generator uses.
  const insert = `
    INSERT INTO reimbursement_lines
    SELECT * FROM (
      SELECT to_char(m.month, 'YYYYMM')::bigint * 10000000000 + 9000000000 + $3::bigint + g AS line_id,
             p.nir || lpad((97 - p.nir::bigint % 97)::text, 2, '0') AS ins,
             least(m.month + ((g * 7) % 28)::int, current_date),
             (ARRAY['NGAP','NABM','CCAM','CIP13','LPP'])[1 + g % 5],
             (ARRAY['G','1104','YYYY010','3400930000014','1136386'])[1 + g % 5],
             (ARRAY['Consultation, médecin généraliste','Hémogramme','Radiographie du thorax','Amoxicilline 500 mg','Bandes de contention'])[1 + g % 5],
             1 + g % 3, CASE WHEN g % 2 = 0 THEN '10995016382' END, '10727576190',
             1000 + (g % 50) * 100, 700 + (g % 50) * 70
        FROM unnest($1::int[], $2::bigint[]) AS k(k, n),
             LATERAL (SELECT (date_trunc('month', current_date) - make_interval(months => k.k))::date AS month) m,
             LATERAL generate_series(0, k.n - 1) g,
             LATERAL (SELECT (g * 2654435761 + k.k::bigint) % $4::bigint AS n) h,
             LATERAL (SELECT '89951' || lpad((10 + h.n / 998001)::text, 2, '0')
                             || lpad((1 + (h.n / 999) % 999)::text, 3, '0')
                             || lpad((1 + h.n % 999)::text, 3, '0') AS nir) p) l
     ORDER BY ins, line_id`;
  // Month k (0 = this month) and its count, grouped by calendar quarter.
  const now = new Date();
  const quarters = new Map<number, { k: number[]; n: number[] }>();
  for (let k = 0; k < months; k++) {
    const count = Math.min(perMonth, missing - k * perMonth);
    if (count <= 0) break;
    const index = now.getUTCFullYear() * 12 + now.getUTCMonth() - k;
    const quarter = Math.floor(index / 3);
    const group = quarters.get(quarter) ?? { k: [], n: [] };
    group.k.push(k);
    group.n.push(count);
    quarters.set(quarter, group);
  }
  const work = [...quarters.values()];
  let done = 0;
  await Promise.all(
    [0, 1].map(() =>
      withClient(url, async (c) => {
        await c.query('SET synchronous_commit = off');
        await c.query("SET work_mem = '512MB'");
        for (;;) {
          const group = work.shift();
          if (!group) return;
          await c.query(insert, [group.k, group.n, current, patients]);
          done += group.n.reduce((a, b) => a + b, 0);
          log(`  top-up: ${done.toLocaleString('en')} / ${missing.toLocaleString('en')} lines`);
        }
      }),
    ),
  );
  log(
    `top-up: ${missing.toLocaleString('en')} SQL-generated lines of ${patients.toLocaleString('en')} more patients in ${round((Date.now() - started) / 1000)} s`,
  );
  return missing;
}

interface ReadFigures {
  p50Ms1: number;
  p99Ms1: number;
  perSecond1: number;
  perSecond8: number;
  p50Ms8: number;
  p99Ms8: number;
  count8: number;
  /**
   * CPU per request during the 8-reader phase, ms: the service, PostgreSQL, the broker (the
   * access events the outbox relay publishes), the bench's clients. All share the two cores.
   */
  serviceCpuMs: number;
  postgresCpuMs: number;
  brokerCpuMs: number;
  clientCpuMs: number;
}

/**
 * One reader (2,000 requests after 300 of warm-up), then 8 concurrent readers for `seconds`,
 * each on its own keep-alive connection (raw sockets: see RawHttpConnection).
 */
async function measureHttp(
  label: string,
  target: (i: number) => { path: string; token: string },
  seconds: number,
  pids: { service: number; broker: number; pgDataDir: string; port: number },
): Promise<ReadFigures> {
  const connections = await Promise.all(
    Array.from({ length: 8 }, () => RawHttpConnection.open(pids.port)),
  );
  try {
    for (let i = 0; i < 300; i++) {
      const t = target(i);
      await get(connections[0], t.path, t.token); // warm-up
    }
    const single: number[] = [];
    const singleStarted = Date.now();
    for (let i = 0; i < 2000; i++) {
      const t = target(i + 7);
      single.push(await get(connections[0], t.path, t.token));
    }
    const singleSeconds = (Date.now() - singleStarted) / 1000;
    single.sort((a, b) => a - b);

    const concurrent: number[] = [];
    const cpu0 = [
      processCpuMs(pids.service),
      postgresCpuMs(pids.pgDataDir),
      processCpuMs(pids.broker),
      selfCpuMs(),
    ];
    const stopAt = Date.now() + seconds * 1000;
    let next = 0;
    const concurrentStarted = Date.now();
    await Promise.all(
      connections.map(async (connection) => {
        while (Date.now() < stopAt) {
          const t = target(next++ * 13);
          concurrent.push(await get(connection, t.path, t.token));
        }
      }),
    );
    const concurrentSeconds = (Date.now() - concurrentStarted) / 1000;
    const cpu1 = [
      processCpuMs(pids.service),
      postgresCpuMs(pids.pgDataDir),
      processCpuMs(pids.broker),
      selfCpuMs(),
    ];
    concurrent.sort((a, b) => a - b);
    const n = concurrent.length;
    const figures: ReadFigures = {
      p50Ms1: round(percentile(single, 50), 2),
      p99Ms1: round(percentile(single, 99), 2),
      perSecond1: round(single.length / singleSeconds),
      perSecond8: round(n / concurrentSeconds),
      p50Ms8: round(percentile(concurrent, 50), 2),
      p99Ms8: round(percentile(concurrent, 99), 2),
      count8: n,
      serviceCpuMs: round((cpu1[0] - cpu0[0]) / n, 3),
      postgresCpuMs: round((cpu1[1] - cpu0[1]) / n, 3),
      brokerCpuMs: round((cpu1[2] - cpu0[2]) / n, 3),
      clientCpuMs: round((cpu1[3] - cpu0[3]) / n, 3),
    };
    log(
      `${label}, 1 reader: p50 ${figures.p50Ms1} ms, p99 ${figures.p99Ms1} ms, ${figures.perSecond1} /s; ` +
        `8 readers: ${figures.perSecond8.toLocaleString('en')} /s, p50 ${figures.p50Ms8} ms, p99 ${figures.p99Ms8} ms; ` +
        `CPU per request: service ${figures.serviceCpuMs} ms, PostgreSQL ${figures.postgresCpuMs} ms, broker ${figures.brokerCpuMs} ms, bench client ${figures.clientCpuMs} ms`,
    );
    return figures;
  } finally {
    for (const connection of connections) connection.close();
  }
}

interface ImportFigures {
  fileMb: number;
  /** COPY streams of the import (its connections), and of the raw baseline the ratio uses. */
  importStreams: number;
  importLinesPerSecond: number;
  importSeconds: number;
  importPeakRssMb: number;
  /** The import CLI's own CPU (parse, validation, protocol), process start included. */
  importCpuMicrosPerLine: number;
  /** PostgreSQL's CPU (every backend and helper process) per line during the import. */
  importPostgresCpuMicrosPerLine: number;
  rawCopy1StreamRowsPerSecond: number;
  rawCopy1StreamPostgresCpuMicrosPerRow: number;
  rawCopySameStreamsRowsPerSecond: number;
  rawCopySameStreamsPostgresCpuMicrosPerRow: number;
  /** The import against a raw COPY with as many streams as the import: the honest ratio. */
  ratioToRawCopySameStreams: number;
  ratioToRawCopy1Stream: number;
}

async function createSchema(pgUrl: string, importUrl: string, work: string): Promise<void> {
  // The table design comes from the service itself: migrations and monthly partitions, created
  // by importing a one-line file (then emptied).
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
  void pgUrl;
}

/** A raw COPY of the file's data lines in `streams` parallel streams into a fresh copy of the schema. */
async function rawCopyRun(
  pgUrl: string,
  dataDir: string,
  file: string,
  streams: number,
): Promise<{ rows: number; rate: number; pgMicrosPerRow: number }> {
  const db = `bench_raw${streams}`;
  await withClient(pgUrl, (c) => c.query(`CREATE DATABASE ${db} TEMPLATE bench_import`));
  const url = withDatabase(pgUrl, db);
  const { cuts } = layout(file, streams);
  await withClient(pgUrl, (c) => c.query('CHECKPOINT'));
  const sampler = new PostgresCpuSampler(dataDir);
  const t = Date.now();
  await Promise.all(
    Array.from({ length: streams }, (_, k) => rawCopy(url, file, cuts[k], cuts[k + 1])),
  );
  const seconds = (Date.now() - t) / 1000;
  const pgMs = sampler.stop();
  const rows = await rowCount(url);
  await withClient(pgUrl, (c) => c.query(`DROP DATABASE ${db}`));
  const figures = { rows, rate: rows / seconds, pgMicrosPerRow: (pgMs * 1000) / rows };
  log(
    `raw COPY, ${streams} stream${streams > 1 ? 's' : ''}: ${rows.toLocaleString('en')} rows in ${round(seconds, 1)} s = ${round(figures.rate).toLocaleString('en')} rows/s, PostgreSQL CPU ${round(figures.pgMicrosPerRow, 2)} µs/row`,
  );
  return figures;
}

async function benchImport(
  pgUrl: string,
  dataDir: string,
  importUrl: string,
  work: string,
  lines: number,
  streams: number,
): Promise<ImportFigures> {
  const file = join(work, 'backfill.csv');
  const patientsFile = join(work, 'patients.txt');
  const t = Date.now();
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
  await createSchema(pgUrl, importUrl, work);
  const patients = readFileSync(patientsFile, 'utf8').split('\n').filter(Boolean);
  await withClient(importUrl, (c) =>
    c.query(
      `INSERT INTO reimbursement_open_records (ins, is_open, opened_at, last_event_at) SELECT unnest($1::text[]), true, now(), now()`,
      [patients],
    ),
  );
  const { size } = layout(file, 1);

  // Baselines, same run, same table design (the service's migrations and partitions): one raw
  // COPY stream, then as many streams as the import loads batches in parallel.
  const raw1 = await rawCopyRun(pgUrl, dataDir, file, 1);
  const rawSame = streams === 1 ? raw1 : await rawCopyRun(pgUrl, dataDir, file, streams);
  await withClient(pgUrl, (c) => c.query('CHECKPOINT'));

  // End to end: the import CLI, file to committed rows.
  const sampler = new PostgresCpuSampler(dataDir);
  const started = Date.now();
  const out = await runNodeAsync(
    'dist/apps/reimbursements/src/import/import.cli.js',
    [file, '--connections', String(streams)],
    { DATABASE_URL: importUrl },
  );
  const wallSeconds = (Date.now() - started) / 1000;
  const importPgMs = sampler.stop();
  const summary = JSON.parse(out.trim().split('\n').pop() as string) as {
    counts: { read: number; imported: number };
    seconds: number;
    peakRssMb: number;
    cpuSeconds?: number;
  };
  const importedRows = await rowCount(importUrl);
  if (importedRows !== raw1.rows || summary.counts.imported !== importedRows) {
    throw new Error(
      `the import stored ${importedRows} rows (reported ${summary.counts.imported}), the raw COPY ${raw1.rows}`,
    );
  }
  const importRate = summary.counts.read / summary.seconds;
  const cpuPerLine = ((summary.cpuSeconds ?? 0) * 1e6) / summary.counts.read;
  const pgPerLine = (importPgMs * 1000) / summary.counts.read;
  log(
    `import end to end (${streams} streams): ${summary.counts.read.toLocaleString('en')} lines in ${round(summary.seconds, 1)} s (process wall ${round(wallSeconds, 1)} s) = ${round(importRate).toLocaleString('en')} lines/s, ` +
      `peak RSS ${summary.peakRssMb} MB, CPU per line: importer ${round(cpuPerLine, 2)} µs, PostgreSQL ${round(pgPerLine, 2)} µs; ` +
      `ratio ${round(importRate / rawSame.rate, 2)} of the ${streams}-stream raw COPY, ${round(importRate / raw1.rate, 2)} of the 1-stream raw COPY`,
  );
  rmSync(file, { force: true });
  return {
    fileMb: round(size / 1e6),
    importStreams: streams,
    importLinesPerSecond: round(importRate),
    importSeconds: round(summary.seconds, 1),
    importPeakRssMb: summary.peakRssMb,
    importCpuMicrosPerLine: round(cpuPerLine, 2),
    importPostgresCpuMicrosPerLine: round(pgPerLine, 2),
    rawCopy1StreamRowsPerSecond: round(raw1.rate),
    rawCopy1StreamPostgresCpuMicrosPerRow: round(raw1.pgMicrosPerRow, 2),
    rawCopySameStreamsRowsPerSecond: round(rawSame.rate),
    rawCopySameStreamsPostgresCpuMicrosPerRow: round(rawSame.pgMicrosPerRow, 2),
    ratioToRawCopySameStreams: round(importRate / rawSame.rate, 3),
    ratioToRawCopy1Stream: round(importRate / raw1.rate, 3),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string', default: '10000000' },
      // COPY streams of the import (its --connections) and of the raw baseline it is compared to.
      streams: { type: 'string', default: '2' },
      'read-lines': { type: 'string', default: process.env.BENCH_READ_LINES ?? '50000000' },
      'reads-only': { type: 'boolean', default: false },
      // Stops after the import figures (no read dataset, no reads): for tuning the import.
      'import-only': { type: 'boolean', default: false },
      'read-seconds': { type: 'string', default: '10' },
      'keep-data': { type: 'boolean', default: false },
      'work-dir': { type: 'string' },
      'service-cpu-prof': { type: 'string' },
      // Loads the dataset into --work-dir and stops: the load (minutes for 50M lines) can then
      // run outside /tmp/bench.lock and only the measurement inside it.
      'prepare-only': { type: 'boolean', default: false },
    },
  });
  const lines = Number(values.lines);
  const readLines = Number(values['read-lines']);
  const readsOnly = values['reads-only'] === true;
  const work = values['work-dir'] ?? mkdtempSync(join(tmpdir(), 'bench-reimbursements-'));
  const keep = values['keep-data'] === true || values['work-dir'] !== undefined;
  mkdirSync(work, { recursive: true });
  log(
    `reimbursements bench: ${readsOnly ? 'reads only' : `import ${lines.toLocaleString('en')} lines`}, reads on ${readLines.toLocaleString('en')} lines, work dir ${work}, load average ${loadavg()
      .map((l) => round(l, 2))
      .join(' ')}`,
  );

  // PostgreSQL tuned for bulk loading, durability kept (fsync on): bigger shared buffers and WAL
  // between checkpoints so a 10M-line load is not dominated by checkpoint full-page writes.
  const pgPort = await freePort();
  const pgDir = join(work, 'pg');
  let pg = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
  await withClient(pg.url, async (c) => {
    for (const sql of [
      "ALTER SYSTEM SET shared_buffers = '1GB'",
      "ALTER SYSTEM SET max_wal_size = '16GB'",
      "ALTER SYSTEM SET checkpoint_timeout = '30min'",
      "ALTER SYSTEM SET wal_buffers = '64MB'",
      "ALTER SYSTEM SET maintenance_work_mem = '256MB'",
      // Autovacuum would visit the freshly loaded partitions at whatever moment their insert
      // threshold passes: during the import (a slower phase) more than during a raw COPY whose
      // database is dropped right after, which charged the import up to 5 µs/row more
      // PostgreSQL CPU than the COPY for the same rows. Off, both phases pay the same; the read
      // dataset is vacuumed and analysed explicitly, and autovacuum is back on for the reads
      // (the outbox's inserts and deletes need it).
      'ALTER SYSTEM SET autovacuum = off',
    ])
      await c.query(sql);
  });
  await pg.stop();
  pg = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
  const broker = await startBrokerProcess(join(work, 'kafka'), { timeoutMs: 30_000 });
  const importUrl = withDatabase(pg.url, 'bench_import');

  try {
    let importFigures: ImportFigures | null = null;
    const exists = await withClient(
      pg.url,
      async (c) =>
        (await c.query("SELECT 1 FROM pg_database WHERE datname = 'bench_import'")).rows.length > 0,
    );
    if (!readsOnly) {
      if (exists) await withClient(pg.url, (c) => c.query('DROP DATABASE bench_import'));
      importFigures = await benchImport(
        pg.url,
        pg.dataDir,
        importUrl,
        work,
        lines,
        Number(values.streams),
      );
    } else if (!exists) {
      await createSchema(pg.url, importUrl, work);
    }

    if (values['import-only'] && importFigures !== null) {
      const result = {
        bench: 'reimbursements',
        loadAverage: loadavg().map((l) => round(l, 2)),
        lines,
        ...importFigures,
        targets: { importLinesPerSecond: 150_000, ratioToRawCopy: 0.7, peakRssMb: 400 },
      };
      writeFileSync(join(work, 'result.json'), JSON.stringify(result));
      console.log(JSON.stringify(result));
      return;
    }

    // The read dataset: the imported lines topped up to --read-lines.
    const t = Date.now();
    const before = await rowCount(importUrl);
    if ((await topUp(importUrl, before, readLines)) > 0 || !readsOnly) {
      await withClient(importUrl, (c) => c.query('VACUUM (ANALYZE) reimbursement_lines'));
      await withClient(pg.url, (c) => c.query('CHECKPOINT'));
    }
    await withClient(pg.url, async (c) => {
      await c.query('ALTER SYSTEM SET autovacuum = on');
      await c.query('SELECT pg_reload_conf()');
    });
    const datasetLines = before >= readLines ? before : await rowCount(importUrl);
    log(
      `read dataset: ${datasetLines.toLocaleString('en')} lines (${round((Date.now() - t) / 1000)} s)`,
    );
    if (values['prepare-only']) return;

    // 2,000 patients sampled across the whole table (imported and generated lines alike).
    const sample = await withClient(importUrl, async (c) => {
      const percent = Math.min(100, (400_000 / Math.max(1, datasetLines)) * 100);
      const rows = (
        await c.query(
          `SELECT DISTINCT ins FROM reimbursement_lines TABLESAMPLE SYSTEM (${percent}) REPEATABLE (7)`,
        )
      ).rows as { ins: string }[];
      const all = rows.map((r) => r.ins);
      const step = Math.max(1, Math.floor(all.length / 2000));
      return all.filter((_, i) => i % step === 0).slice(0, 2000);
    });
    await withClient(importUrl, async (c) => {
      const states = sample.map((ins) =>
        JSON.stringify({
          ...emptyConsentState(ins),
          record: { status: 'open', changedAt: new Date().toISOString() },
        }),
      );
      await c.query(
        `INSERT INTO reimbursement_open_records (ins, is_open, opened_at, last_event_at)
         SELECT unnest($1::text[]), true, now(), now() ON CONFLICT DO NOTHING`,
        [sample],
      );
      await c.query(
        `INSERT INTO reimbursement_consent_states (ins, state, updated_at)
         SELECT unnest($1::text[]), unnest($2::jsonb[]), now() ON CONFLICT (ins) DO UPDATE SET state = EXCLUDED.state`,
        [sample, states],
      );
      await c.query('ANALYZE reimbursement_consent_states');
      await c.query('ANALYZE reimbursement_open_records');
    });
    const linesPerPatient = await withClient(importUrl, async (c) =>
      Number(
        (
          await c.query(
            'SELECT avg(n)::float AS a FROM (SELECT count(*) AS n FROM reimbursement_lines WHERE ins = ANY($1) GROUP BY ins) s',
            [sample.slice(0, 200)],
          )
        ).rows[0].a,
      ),
    );

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
      `raw indexed query (baseline), 1 client: p50 ${round(percentile(rawSingle, 50), 2)} ms, p99 ${round(percentile(rawSingle, 99), 2)} ms; 8 clients: ${round(rawReadsPerSecond).toLocaleString('en')} queries/s (${round(linesPerPatient, 1)} lines per sampled patient)`,
    );

    const service = await startService(
      {
        DATABASE_URL: importUrl,
        KAFKA_BROKERS: broker.bootstrap,
        HEARTBEAT_INTERVAL_MS: '0',
      },
      values['service-cpu-prof'],
    );
    const servicePid = service.child.pid as number;
    const readSeconds = Number(values['read-seconds']);

    // The floor of the shared HTTP path: an authenticated route doing one primary-key query
    // (an import queue entry), same service, same clients.
    const queueId = await withClient(importUrl, async (c) =>
      String(
        (
          await c.query(
            `INSERT INTO reimbursement_import_queue (location, source, status, enqueued_at)
             VALUES ('/nowhere', 'bench', 'done', now()) RETURNING id`,
          )
        ).rows[0].id,
      ),
    );
    const operator = issueDevToken(
      { role: ActorRole.OPERATOR, operatorId: 'bench' } as never,
      DEV_SECRET,
    );
    const pids = {
      service: servicePid,
      broker: broker.pid,
      pgDataDir: pg.dataDir,
      port: service.port,
    };
    const floor = await measureHttp(
      'floor (GET /imports/queue/:id, authenticated, one primary-key query)',
      () => ({ path: `/imports/queue/${queueId}`, token: operator }),
      Math.min(5, readSeconds),
      pids,
    );

    const tracesBefore = await countTraces(importUrl, broker.bootstrap);
    const tokens = sample.map((ins) =>
      issueDevToken({ role: ActorRole.PATIENT, ins: ins as Ins }, DEV_SECRET),
    );
    const reads = await measureHttp(
      'history read (access check + durable access event)',
      (i) => ({
        path: `/patients/${sample[i % sample.length]}/reimbursements?pageSize=50`,
        token: tokens[i % tokens.length],
      }),
      readSeconds,
      pids,
    );
    const served = 300 + 2000 + reads.count8;
    const traced = (await countTraces(importUrl, broker.bootstrap)) - tracesBefore;
    log(
      `access events written: ${traced.toLocaleString('en')} for ${served.toLocaleString('en')} reads served`,
    );
    if (traced < served) throw new Error(`only ${traced} access events for ${served} reads served`);
    service.child.kill('SIGTERM');
    await new Promise((r) => service.child.once('exit', r));

    const result = {
      bench: 'reimbursements',
      loadAverage: loadavg().map((l) => round(l, 2)),
      lines: readsOnly ? 0 : lines,
      ...(importFigures ?? {}),
      readDatasetLines: datasetLines,
      readLinesPerPatient: round(linesPerPatient, 1),
      readP50Ms1Reader: reads.p50Ms1,
      readP99Ms1Reader: reads.p99Ms1,
      readsPerSecond8Readers: reads.perSecond8,
      readP99Ms8Readers: reads.p99Ms8,
      readCpuMsService: reads.serviceCpuMs,
      readCpuMsPostgres: reads.postgresCpuMs,
      readCpuMsBroker: reads.brokerCpuMs,
      readCpuMsClient: reads.clientCpuMs,
      floorP99Ms1Reader: floor.p99Ms1,
      floorPerSecond8Readers: floor.perSecond8,
      floorCpuMsService: floor.serviceCpuMs,
      rawQueryP99Ms1Client: round(percentile(rawSingle, 99), 2),
      rawQueriesPerSecond8Clients: round(rawReadsPerSecond),
      readsRatioToRawQuery8: round(reads.perSecond8 / rawReadsPerSecond, 3),
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
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Access events written so far: the messages of the access topic (the service sends its traces
 * straight to Kafka) plus the outbox's (the traces written while Kafka did not acknowledge, and
 * those of the previous design). Every access event of this bench's database and broker is a
 * read's: a delta between two counts is the reads traced meanwhile.
 */
async function countTraces(url: string, brokers: string): Promise<number> {
  const outbox = await withClient(url, async (c) =>
    Number(
      (
        await c.query(
          // Outbox traces are bundles: count their events, not their rows.
          `SELECT coalesce(sum(message_count), 0) AS n FROM outbox_events WHERE topic = 'dmp.access.accessed.v1'`,
        )
      ).rows[0].n,
    ),
  );
  const kafka = new Kafka({
    clientId: 'bench-reimbursements',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes('dmp.access.accessed.v1')) return outbox;
    const offsets = await admin.fetchTopicOffsets('dmp.access.accessed.v1');
    return outbox + offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
