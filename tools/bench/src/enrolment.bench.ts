// Benchmark of the enrolment service: openings per second for single HTTP requests (concurrent
// clients) and for a bulk campaign file, each measured until the last record-opened event is on
// the Kafka topic (end offsets; every key is then read back and checked), with the ratio to a plain PostgreSQL insert of the same rows
// measured in the same run on the same database server.
//
// Everything runs on this machine: embedded PostgreSQL (durable settings), the embedded broker
// and the service as child processes (`node dist/...`), this process as the clients and the
// Kafka consumer. Run: npm run bench:enrolment
//   BENCH_SINGLE=20000 BENCH_CONCURRENCY=64 BENCH_BULK=100000 for other sizes; BENCH_INSTANCES=2
//   for two service processes sharing the clients (as two instances behind a load balancer);
//   BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the service.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { Client, Pool } from 'pg';
import { issueDevToken } from '@dmp/auth';
import { Topics } from '@dmp/contracts';
import { ActorRole, CpamCode, Finess, Ins, generateFiness, generateIns, seededRandom } from '@dmp/domain';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '@dmp/persistence';
import { DEV_AUTH_TOKEN_SECRET } from '@dmp/platform';
import { freePort, waitFor } from '@dmp/testing';
import { processCpuSeconds } from './support/processes';
import { RawHttpConnection } from './support/raw-http';

const SINGLE = Number(process.env.BENCH_SINGLE ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const BULK = Number(process.env.BENCH_BULK ?? 100_000);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);
// Rows of the bulk file that must not open anything, so that the result file's check sees every
// outcome: rows with a wrong INS key (rejected) and rows for people the single phase opened
// through a pharmacy (conflict). Not counted in the bulk rate, which counts openings only.
const BULK_BAD = Number(process.env.BENCH_BULK_BAD ?? 100);
// How a phase's end is detected: by default when the record-opened topic's end offsets have grown
// by the phase's event count (a ListOffsets every 20 ms), every key being checked on the topic by
// a consumer afterwards; BENCH_CONSUME_DURING=1 consumes and checks the keys during the phase
// (the bench's kafkajs consumer then competes with the service for the two cores).
const CONSUME_DURING = process.env.BENCH_CONSUME_DURING === '1';
// Node options for the service processes, e.g. BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
const SERVICE_NODE_ARGS = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
const repoRoot = resolve(__dirname, '..', '..', '..', '..');

const log = (line: string): void => console.log(line);
const round = (v: number, digits = 0): number => Math.round(v * 10 ** digits) / 10 ** digits;

interface Row {
  ins: Ins;
  familyName: string;
  givenNames: string;
  birthDate: string;
  cpamCode: string;
  email: string;
  consent: { at: string; place: string };
}

function makeRows(count: number, random: () => number, taken: Set<string>): Row[] {
  const rows: Row[] = [];
  const consentAt = new Date(Date.now() - 86_400_000).toISOString();
  while (rows.length < count) {
    const ins = generateIns(random, { birthYear: 40 + Math.floor(random() * 60) });
    if (taken.has(ins)) continue;
    taken.add(ins);
    rows.push({ ins, familyName: 'DURAND', givenNames: 'Paul', birthDate: `19${ins.slice(1, 3)}-${ins.slice(3, 5)}-15`, cpamCode: '751', email: 'paul.durand@example.fr', consent: { at: consentAt, place: 'bench' } });
  }
  return rows;
}

/** The PostgreSQL server of a data directory and its children (backends, WAL writer...). */
function postgresPids(dataDir: string): number[] {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const stat = (pid: number): string[] | null => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    } catch {
      return null;
    }
  };
  const server = pids.find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dataDir);
    } catch {
      return false;
    }
  });
  if (server === undefined) return [];
  return [server, ...pids.filter((pid) => stat(pid)?.[1] === String(server))];
}

/** CPU seconds of a process's main thread (its task whose id is the pid), or null once it ended. */
function mainThreadCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Like cpuMeter, for the main threads of the processes (the service's one event loop). */
function mainThreadMeter(pids: number[]): () => number | null {
  const before = new Map(pids.map((pid) => [pid, mainThreadCpuSeconds(pid)] as const));
  return () => {
    let total = 0;
    for (const [pid, start] of before) {
      const end = mainThreadCpuSeconds(pid);
      if (start === null || end === null) return null;
      total += end - start;
    }
    return total;
  };
}

/**
 * Sums CPU seconds of processes between two calls: `const stop = cpuMeter(pids); ...; stop()`.
 * A process that ended meanwhile (a PostgreSQL backend) counts as nothing; null when none was readable.
 */
function cpuMeter(pids: number[]): () => number | null {
  const before = new Map(pids.map((pid) => [pid, processCpuSeconds(pid)] as const));
  return () => {
    let total = 0;
    let readable = 0;
    for (const [pid, start] of before) {
      const end = processCpuSeconds(pid);
      if (start === null || end === null) continue;
      total += end - start;
      readable++;
    }
    return readable === 0 ? null : total;
  };
}

async function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<RegExpExecArray> {
  let output = '';
  return new Promise((resolveLine, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} not ready within ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
    const onData = (c: Buffer): void => {
      output += c.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveLine(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
}

/** Counts record-opened events for the expected keys; resolves `done` when all have arrived. */
async function startCounting(brokers: string) {
  const kafka = new Kafka({ clientId: 'bench-enrolment', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: Topics.RECORD_OPENED, numPartitions: 3 }] }).catch(() => false);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `bench-enrolment-${Date.now()}`, maxBytes: 16 * 1024 * 1024 });
  let expected = new Set<string>();
  let seen = 0;
  let onDone: (() => void) | null = null;
  await consumer.connect();
  await consumer.subscribe({ topic: Topics.RECORD_OPENED, fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const key = message.key?.toString();
        if (key && expected.delete(key)) seen++;
      }
      if (expected.size === 0 && onDone) {
        const done = onDone;
        onDone = null;
        done();
      }
    },
  });
  return {
    expect(keys: string[]): Promise<void> {
      expected = new Set(keys);
      seen = 0;
      return new Promise<void>((resolveDone) => {
        onDone = resolveDone;
      });
    },
    seen: () => seen,
    stop: () => consumer.disconnect(),
  };
}

/**
 * Waits for events to reach the topic. By offsets (default): resolves once the topic's end
 * offsets, summed over partitions, have grown by the number of keys; `verify()` then reads the
 * whole topic and checks that every key awaited is there (throws otherwise). With
 * BENCH_CONSUME_DURING=1: resolves when a consumer has seen every key (startCounting).
 */
async function startArrivals(brokers: string) {
  const counter = CONSUME_DURING ? await startCounting(brokers) : null;
  const kafka = new Kafka({ clientId: 'bench-enrolment-offsets', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: Topics.RECORD_OPENED, numPartitions: 3 }] }).catch(() => false);
  const endOffsets = async (): Promise<number> =>
    (await admin.fetchTopicOffsets(Topics.RECORD_OPENED)).reduce((sum, p) => sum + Number(p.high), 0);
  const awaited: string[] = [];
  return {
    /** Call before the phase starts; await the answer's `arrived` after it. */
    async expect(keys: string[]): Promise<{ arrived: Promise<void> }> {
      if (counter) return { arrived: counter.expect(keys) };
      awaited.push(...keys);
      const target = (await endOffsets()) + keys.length;
      const arrived = (async () => {
        while ((await endOffsets()) < target) await new Promise((r) => setTimeout(r, 20));
      })();
      return { arrived };
    },
    /** Every key awaited is on the topic (by offsets: read now, outside the timed phases). */
    async verify(): Promise<void> {
      if (counter || awaited.length === 0) return;
      const check = await startCounting(brokers);
      try {
        const missing = new Set(awaited);
        const all = check.expect([...missing]);
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the topic lacks ${awaited.length - check.seen()} of the ${awaited.length} events awaited`)), 120_000));
        await Promise.race([all, timeout]);
      } finally {
        await check.stop();
      }
    },
    async stop(): Promise<void> {
      await counter?.stop();
      await admin.disconnect();
    },
  };
}

function post(agent: Agent, port: number, path: string, token: string, body: string): Promise<number> {
  return new Promise((resolvePost, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolvePost(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function plainSingleInserts(pool: Pool, rows: Row[], concurrency: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < rows.length) {
        const r = rows[next++];
        await pool.query(
          `INSERT INTO plain_records (id, ins, family_name, given_names, birth_date, cpam_code, email, consent_at, consent_place, opened_at)
           VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, now())`,
          [r.ins, r.familyName, r.givenNames, r.birthDate, r.cpamCode, r.email, r.consent.at, r.consent.place],
        );
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function plainBulkInserts(client: Client, rows: Row[], batch: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = rows.slice(i, i + batch);
    const col = (f: (r: Row) => string) => chunk.map(f);
    await client.query(
      `INSERT INTO plain_records (id, ins, family_name, given_names, birth_date, cpam_code, email, consent_at, consent_place, opened_at)
       SELECT gen_random_uuid(), * , now() FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::date[], $5::char(3)[], $6::varchar[], $7::timestamptz[], $8::varchar[])`,
      [col((r) => r.ins), col((r) => r.familyName), col((r) => r.givenNames), col((r) => r.birthDate), col((r) => r.cpamCode), col((r) => r.email), col((r) => r.consent.at), col((r) => r.consent.place)],
    );
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * A bare Node HTTP server (no framework, no database) in its own process, hit by the same
 * clients with the same bodies: the ceiling of one HTTP round trip on this machine, right now.
 */
async function bareHttpBaseline(rows: Row[], concurrency: number): Promise<number> {
  const server = spawn(
    process.execPath,
    ['-e', "require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(201,{'Content-Type':'application/json'});s.end('{}')})}).listen(0,'127.0.0.1',function(){console.log('port '+this.address().port)})"],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const port = Number((await waitForLine(server, /port (\d+)/, 'bare HTTP server'))[1]);
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < rows.length) await post(agent, port, '/records', 'x', JSON.stringify(rows[next++]));
      }),
    );
    agent.destroy();
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    server.kill('SIGTERM');
  }
}

interface BulkResultLine {
  line: number;
  ins: string | null;
  outcome: 'opened' | 'already-opened' | 'conflict' | 'rejected';
  recordId?: string;
}

/**
 * Reads the job's per-row result file and checks it against the file sent: one line per row, in
 * file order (line numbers 1..n), each row's INS with the outcome it must have (opened, conflict
 * for people opened by the single phase, rejected for a wrong key), and outcome counts equal to
 * the job's counters. Throws on the first difference.
 */
async function checkBulkResults(
  port: number,
  jobId: string,
  token: string,
  expected: { file: Row[]; opened: Set<string>; rejected: Set<string>; conflicts: Set<string>; summary: { opened: number; alreadyOpened: number; conflicts: number; rejected: number; rowsProcessed: number } },
): Promise<{ lines: number; outcomes: Record<string, number> }> {
  const response = await fetch(`http://127.0.0.1:${port}/bulk-jobs/${jobId}/results`, { headers: { Authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`bulk results: HTTP ${response.status}`);
  const lines = (await response.text()).split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as BulkResultLine);
  if (lines.length !== expected.file.length) throw new Error(`bulk results: ${lines.length} lines for ${expected.file.length} rows`);
  const outcomes: Record<string, number> = { opened: 0, 'already-opened': 0, conflict: 0, rejected: 0 };
  lines.forEach((result, i) => {
    const row = expected.file[i];
    const want = expected.rejected.has(row.ins) ? 'rejected' : expected.conflicts.has(row.ins) ? 'conflict' : expected.opened.has(row.ins) ? 'opened' : null;
    if (result.line !== i + 1 || result.ins !== row.ins || result.outcome !== want) {
      throw new Error(`bulk results: line ${i + 1} is ${JSON.stringify(result)}, expected ${row.ins} ${want}`);
    }
    if (want !== 'rejected' && !result.recordId) throw new Error(`bulk results: line ${i + 1} has no record id`);
    outcomes[result.outcome]++;
  });
  const s = expected.summary;
  const counters = { opened: s.opened, 'already-opened': s.alreadyOpened, conflict: s.conflicts, rejected: s.rejected };
  if (JSON.stringify(counters) !== JSON.stringify(outcomes) || s.rowsProcessed !== lines.length) {
    throw new Error(`bulk results: outcomes ${JSON.stringify(outcomes)} but the job counted ${JSON.stringify({ ...counters, rowsProcessed: s.rowsProcessed })}`);
  }
  if (outcomes.opened !== expected.opened.size || outcomes.rejected !== expected.rejected.size || outcomes.conflict !== expected.conflicts.size) {
    throw new Error(`bulk results: outcomes ${JSON.stringify(outcomes)} for ${expected.opened.size} new people, ${expected.rejected.size} bad rows, ${expected.conflicts.size} already opened elsewhere`);
  }
  return { lines: lines.length, outcomes };
}

async function main(): Promise<void> {
  const loadAtStart = round(loadavg()[0], 1);
  const work = mkdtempSync(join(tmpdir(), 'bench-enrolment-'));
  const children: ChildProcess[] = [];
  let pg: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  try {
    log(`enrolment benchmark: ${SINGLE} single openings (${CONCURRENCY} concurrent clients, ${INSTANCES} service process${INSTANCES > 1 ? 'es' : ''}), ${BULK} bulk rows; 2-core machine shared by PostgreSQL, broker, service and clients`);
    pg = await startEmbeddedPostgres({ dataDir: join(work, 'pg'), port: await freePort() });
    const databaseUrl = withDatabase(pg.url, 'bench_enrolment');
    await ensureDatabase(databaseUrl);

    const brokerPort = await freePort();
    const broker = spawn(process.execPath, [join(repoRoot, 'dist/tools/embedded-kafka/src/cli.js'), '--port', String(brokerPort), '--data-dir', join(work, 'kafka'), '--partitions', '3', '--log-level', 'warn'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(broker);
    await waitForLine(broker, /broker ready/, 'broker');
    const brokers = `127.0.0.1:${brokerPort}`;

    // BENCH_INSTANCES > 1 runs that many service processes on one database, as behind a load
    // balancer (the single-opening clients are spread over them; the bulk job goes to the first).
    const startService = async (): Promise<{ child: ChildProcess; port: number }> => {
      const servicePort = await freePort();
      const child = spawn(process.execPath, [...SERVICE_NODE_ARGS, join(repoRoot, 'dist/apps/enrolment/src/main.js')], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PORT: String(servicePort), DATABASE_URL: databaseUrl, KAFKA_BROKERS: brokers, LOG_LEVEL: 'warn', HEARTBEAT_INTERVAL_MS: '0', NODE_ENV: 'development' },
      });
      children.push(child);
      child.stderr?.on('data', (c: Buffer) => process.stderr.write(c));
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`the enrolment service exited with ${child.exitCode} (is dist/ built?)`);
          return (await fetch(`http://127.0.0.1:${servicePort}/health/ready`).catch(() => null))?.ok === true;
        },
        { timeoutMs: 60_000, intervalMs: 200, message: 'the enrolment service to be ready' },
      ).catch((error: unknown) => {
        throw child.exitCode !== null ? new Error(`the enrolment service exited with ${child.exitCode}`) : error;
      });
      return { child, port: servicePort };
    };
    const services: { child: ChildProcess; port: number }[] = [];
    for (let i = 0; i < INSTANCES; i++) services.push(await startService());
    const port = services[0].port;

    const arrivals = await startArrivals(brokers);
    const random = seededRandom(20261123);
    const taken = new Set<string>();
    const singleRows = makeRows(SINGLE, random, taken);
    const bulkRows = makeRows(BULK, random, taken);
    // Rejected: the INS key off by one. Conflicts: people the single phase opened (through a pharmacy).
    const badKey = (ins: string): string => `${ins.slice(0, 13)}${String(((Number(ins.slice(13)) + 1) % 97) || 97).padStart(2, '0')}`;
    const rejectedRows = makeRows(BULK_BAD, random, taken).map((r) => ({ ...r, ins: badKey(r.ins) as Ins }));
    const conflictRows = singleRows.slice(0, BULK_BAD);
    // Spread over the file, one of each every BULK / BULK_BAD rows.
    const bulkFile: Row[] = [];
    const every = BULK_BAD > 0 ? Math.max(1, Math.floor(BULK / BULK_BAD)) : Infinity;
    bulkRows.forEach((r, i) => {
      bulkFile.push(r);
      const k = Math.floor(i / every);
      if ((i + 1) % every === 0 && k < BULK_BAD) bulkFile.push(rejectedRows[k], conflictRows[k]);
    });
    const pharmacy = issueDevToken({ role: ActorRole.PHARMACY, finess: generateFiness(random) as Finess }, DEV_AUTH_TOKEN_SECRET);
    const agentToken = issueDevToken({ role: ActorRole.CPAM_AGENT, agentId: 'bench-campaign', cpamCode: '751' as CpamCode }, DEV_AUTH_TOKEN_SECRET);

    // Warm-up: JIT, connection pools, topic metadata (not counted).
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const warm = makeRows(500, random, taken);
    const warmDone = await arrivals.expect(warm.map((r) => r.ins));
    for (let i = 0; i < warm.length; i += CONCURRENCY) await Promise.all(warm.slice(i, i + CONCURRENCY).map((r, k) => post(agent, services[k % INSTANCES].port, '/records', pharmacy, JSON.stringify(r))));
    await warmDone.arrived;

    // Single openings.
    // The client (this process: HTTP clients and the end-offset polling, or the consumer with
    // BENCH_CONSUME_DURING=1) shares the
    // two cores too: a quiet-machine rate is about 2 cores / the total CPU per opening.
    const clientMeter = (): (() => number) => {
      const before = process.cpuUsage();
      return () => {
        const used = process.cpuUsage(before);
        return (used.user + used.system) / 1e6;
      };
    };
    const meters = () => ({ service: cpuMeter(services.map((x) => x.child.pid as number)), serviceMainThread: mainThreadMeter(services.map((x) => x.child.pid as number)), postgres: cpuMeter(postgresPids(join(work, 'pg'))), broker: cpuMeter([broker.pid as number]), client: clientMeter() });
    const perOpening = (m: ReturnType<typeof meters>, n: number) => {
      const us = (stop: () => number | null): number | null => {
        const s = stop();
        return s === null ? null : round((s * 1e6) / n);
      };
      const parts = { service: us(m.service), postgres: us(m.postgres), broker: us(m.broker), client: us(m.client) };
      const total = parts.service === null || parts.postgres === null || parts.broker === null || parts.client === null ? null : parts.service + parts.postgres + parts.broker + parts.client;
      // The service's main thread alone (its event loop: what one instance cannot spread over cores).
      const serviceMainThread = us(m.serviceMainThread);
      return { ...parts, serviceMainThread, total, quietEstimatePerSecond: total ? round(2e6 / total) : null, mainThreadCeilingPerSecond: serviceMainThread ? round(1e6 / serviceMainThread) : null };
    };
    const singleCpu = meters();
    const singleEvents = await arrivals.expect(singleRows.map((r) => r.ins));
    let next = 0;
    const statuses = new Map<number, number>();
    const connections = await Promise.all(Array.from({ length: CONCURRENCY }, (_, client) => RawHttpConnection.open(services[client % INSTANCES].port)));
    const t0 = process.hrtime.bigint();
    await Promise.all(
      connections.map(async (connection) => {
        while (next < singleRows.length) {
          const r = singleRows[next++];
          const { status } = await connection.post('/records', pharmacy, JSON.stringify(r));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    for (const connection of connections) connection.close();
    const singleHttpS = Number(process.hrtime.bigint() - t0) / 1e9;
    await singleEvents.arrived;
    const singleE2eS = Number(process.hrtime.bigint() - t0) / 1e9;
    const singleCpuUs = perOpening(singleCpu, SINGLE);
    if (statuses.get(201) !== SINGLE) throw new Error(`single openings: unexpected statuses ${JSON.stringify([...statuses])}`);

    // Bulk campaign: one NDJSON file streamed to a job.
    const job = (await (await fetch(`http://127.0.0.1:${port}/bulk-jobs`, { method: 'POST', headers: { Authorization: `Bearer ${agentToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ format: 'ndjson', expectedRows: bulkFile.length }) })).json()) as { id: string };
    const bulkEvents = await arrivals.expect(bulkRows.map((r) => r.ins));
    const bulkCpu = meters();
    const t1 = process.hrtime.bigint();
    const upload = await new Promise<{ status: number; body: string }>((resolveUpload, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/bulk-jobs/${job.id}/file`, method: 'PUT', headers: { Authorization: `Bearer ${agentToken}`, 'Content-Type': 'application/x-ndjson' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolveUpload({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      Readable.from((function* () {
        for (let i = 0; i < bulkFile.length; i += 1000) yield bulkFile.slice(i, i + 1000).map((r) => JSON.stringify(r)).join('\n') + '\n';
      })()).pipe(req);
    });
    const bulkHttpS = Number(process.hrtime.bigint() - t1) / 1e9;
    await bulkEvents.arrived;
    const bulkE2eS = Number(process.hrtime.bigint() - t1) / 1e9;
    const bulkCpuUs = perOpening(bulkCpu, BULK);
    const summary = JSON.parse(upload.body) as { opened: number; alreadyOpened: number; conflicts: number; rejected: number; rowsProcessed: number };
    if (upload.status !== 200 || summary.opened !== BULK) throw new Error(`bulk upload: ${upload.status} ${upload.body}`);
    // Outside the timed phases: every event awaited is on the topic (by offsets, only counted so far).
    await arrivals.verify();
    await arrivals.stop();
    const resultCheck = await checkBulkResults(port, job.id, agentToken, {
      file: bulkFile,
      opened: new Set(bulkRows.map((r) => r.ins)),
      rejected: new Set(rejectedRows.map((r) => r.ins)),
      conflicts: new Set(conflictRows.map((r) => r.ins)),
      summary,
    });

    // Baseline: the same rows into a plain table (no service, no outbox, no Kafka), same server.
    const pool = new Pool({ connectionString: databaseUrl, max: Math.min(CONCURRENCY, 32) });
    await pool.query(`CREATE TABLE plain_records (id uuid PRIMARY KEY, ins varchar(15) NOT NULL UNIQUE, family_name varchar(100), given_names varchar(200), birth_date date, cpam_code char(3), email varchar(254), consent_at timestamptz, consent_place varchar(200), opened_at timestamptz)`);
    const plainSingleS = await plainSingleInserts(pool, singleRows, CONCURRENCY);
    await pool.end();
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    const plainBulkS = await plainBulkInserts(client, bulkRows, 2000);
    await client.end();

    const bareHttpS = await bareHttpBaseline(singleRows, CONCURRENCY);

    const rate = (n: number, s: number): number => round(n / s);
    const results = {
      singleOpeningsPerSecond: rate(SINGLE, singleE2eS),
      singleHttpOpeningsPerSecond: rate(SINGLE, singleHttpS),
      bulkOpeningsPerSecond: rate(BULK, bulkE2eS),
      bulkHttpOpeningsPerSecond: rate(BULK, bulkHttpS),
      plainSingleInsertsPerSecond: rate(SINGLE, plainSingleS),
      plainBulkInsertsPerSecond: rate(BULK, plainBulkS),
      bareHttpRequestsPerSecond: rate(SINGLE, bareHttpS),
    };
    const ratios = {
      singleVsPlainInsert: round(results.singleOpeningsPerSecond / results.plainSingleInsertsPerSecond, 3),
      bulkVsPlainInsert: round(results.bulkOpeningsPerSecond / results.plainBulkInsertsPerSecond, 3),
    };
    log(`single openings (HTTP, ${CONCURRENCY} clients): ${results.singleHttpOpeningsPerSecond}/s answered, ${results.singleOpeningsPerSecond}/s with every event on Kafka${CONSUME_DURING ? ' (consumed during the run)' : ''} (target >= 1,500/s)`);
    log(`bulk openings (one NDJSON job):          ${results.bulkHttpOpeningsPerSecond}/s answered, ${results.bulkOpeningsPerSecond}/s with every event on Kafka${CONSUME_DURING ? ' (consumed during the run)' : ''} (target >= 10,000/s)`);
    log(`baseline, plain PostgreSQL INSERT of the same rows: ${results.plainSingleInsertsPerSecond}/s one row per statement (${Math.min(CONCURRENCY, 32)} connections), ${results.plainBulkInsertsPerSecond}/s in batches of 2,000`);
    log(`ratio to the plain insert: single ${ratios.singleVsPlainInsert}, bulk ${ratios.bulkVsPlainInsert}`);
    const cpuLine = (c: ReturnType<typeof perOpening>) =>
      `service ${c.service ?? '?'} µs, PostgreSQL ${c.postgres ?? '?'} µs, broker ${c.broker ?? '?'} µs, client ${c.client ?? '?'} µs, total ${c.total ?? '?'} µs (2 cores / total = ${c.quietEstimatePerSecond ?? '?'}/s)`;
    log(`CPU per opening (steadier than rates on a shared machine): single ${cpuLine(singleCpuUs)}; bulk ${cpuLine(bulkCpuUs)}`);
    log(`bulk result file: ${resultCheck.lines} lines, ${JSON.stringify(resultCheck.outcomes)}: one line per row of the file, in order, each with the expected outcome, the same counts as the job`);
    const mainLine = (c: ReturnType<typeof perOpening>) => `${c.serviceMainThread ?? '?'} µs (one thread: at most ${c.mainThreadCeilingPerSecond ?? '?'}/s)`;
    log(`service main thread per opening: single ${mainLine(singleCpuUs)}; bulk ${mainLine(bulkCpuUs)}`);
    log(`for scale: a bare Node HTTP server (no framework, no database) answers ${results.bareHttpRequestsPerSecond}/s to the same clients; load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(
      JSON.stringify({
        benchmark: 'enrolment',
        single: SINGLE,
        concurrency: CONCURRENCY,
        bulk: BULK,
        instances: INSTANCES,
        kafkaArrival: CONSUME_DURING ? 'consumed during the run' : 'end offsets, keys checked after',
        ...results,
        ...ratios,
        targets: { singleOpeningsPerSecond: 1500, bulkOpeningsPerSecond: 10000 },
        singleMeetsTarget: results.singleOpeningsPerSecond >= 1500,
        bulkMeetsTarget: results.bulkOpeningsPerSecond >= 10000,
        cpuMicrosecondsPerOpening: { single: singleCpuUs, bulk: bulkCpuUs },
        bulkResultFile: resultCheck,
        loadAverageAtStart: loadAtStart,
        loadAverage: round(loadavg()[0], 1),
      }),
    );
  } finally {
    for (const child of children.reverse()) {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
    await pg?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
