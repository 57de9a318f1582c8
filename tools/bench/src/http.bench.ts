// Server CPU per HTTP request of the shared HTTP path, adapter by adapter: bare Node http, bare
// NestJS on Express and on Fastify, and NestJS with our stack (the @dmp/auth guard, the
// validation pipe, the exception filter and the request metrics) on each. No database, no broker:
// what every service pays before its own code runs. Each server is a child process; this process
// is the client (keep-alive, BENCH_CONCURRENCY connections) and reads the server's CPU time from
// /proc before and after BENCH_REQUESTS requests.
// Three cases: GET (token, roles, actor), GET+query (the shape of the reimbursement history read:
// a path parameter, a query DTO with @Type(() => Number) conversions validated by the pipe, the
// actor and a header) and POST+JSON (a validated body).
// Run: npm run bench:http   (BENCH_REQUESTS=20000 BENCH_CONCURRENCY=8 BENCH_ROUNDS=3
//   BENCH_VARIANTS=express-stack,fastify-stack BENCH_CASES=get,query,post
//   BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof")
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { Body, Controller, Get, Headers, INestApplication, Module, Param, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Type } from 'class-transformer';
import { IsEnum, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { AuthModule, CurrentActor, Roles, issueDevToken, type Actor } from '@dmp/auth';
import { AccessMode, ActorRole, CodingSystem, generateFiness, seededRandom } from '@dmp/domain';
import { DEV_AUTH_TOKEN_SECRET, createHttpAdapter, configureHttpApp, type HttpAdapterName } from '@dmp/platform';
import { MetricsService } from '@dmp/observability';
import { processCpuSeconds, round } from './support/processes';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Node options for the servers, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const VARIANTS = (process.env.BENCH_VARIANTS ?? 'node-http,express-bare,fastify-bare,express-stack,fastify-stack').split(',');
type CaseName = 'get' | 'query' | 'post';
const CASES = (process.env.BENCH_CASES ?? 'get,query,post').split(',') as CaseName[];

class OpenDto {
  @IsString()
  @Length(15, 15)
  ins!: string;

  @IsIn(['pharmacy', 'cpam-counter'])
  channel!: string;
}

/** The reimbursement history's query (apps/reimbursements HistoryQueryDto), rules and messages alike. */
class HistoryQueryDto {
  @IsOptional()
  @Matches(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @IsOptional()
  @Matches(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;

  @IsOptional()
  @IsEnum(CodingSystem, { message: `codingSystem must be one of ${Object.values(CodingSystem).join(', ')}` })
  codingSystem?: CodingSystem;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'page must be an integer' })
  @Min(1, { message: 'page must be at least 1' })
  @Max(10_000, { message: 'page must be at most 10000' })
  page?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'pageSize must be an integer' })
  @Min(1, { message: 'pageSize must be between 1 and 500' })
  @Max(500, { message: 'pageSize must be between 1 and 500' })
  pageSize?: number;

  @IsOptional()
  @IsEnum(AccessMode, { message: `mode must be one of ${Object.values(AccessMode).join(', ')}` })
  mode?: AccessMode;

  @IsOptional()
  @IsString()
  @Length(1, 500, { message: 'reason must be 1-500 characters' })
  reason?: string;
}

@Controller('bare')
class BareController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }

  @Get('patients/:ins/history')
  history(@Param('ins') ins: string, @Query() query: Record<string, string>): { ins: string; page: number } {
    return { ins, page: Number(query['page'] ?? 1) };
  }

  @Post('echo')
  echo(@Body() body: Record<string, unknown>): { ins: unknown } {
    return { ins: body['ins'] };
  }
}

@Controller('stack')
class StackController {
  @Get('ping')
  @Roles(ActorRole.PHARMACY, ActorRole.PATIENT)
  ping(@CurrentActor() actor: Actor): { role: string } {
    return { role: actor.role };
  }

  @Get('patients/:ins/history')
  @Roles(ActorRole.PHARMACY, ActorRole.PATIENT)
  history(
    @Param('ins') ins: string,
    @Query() query: HistoryQueryDto,
    @CurrentActor() actor: Actor,
    @Headers('x-correlation-id') correlationId?: string,
  ): { ins: string; page: number; by: string; correlationId: string | null } {
    return { ins, page: query.page ?? 1, by: actor.role, correlationId: correlationId ?? null };
  }

  @Post('open')
  @Roles(ActorRole.PHARMACY)
  open(@Body() body: OpenDto, @CurrentActor() actor: Actor): { ins: string; by: string } {
    return { ins: body.ins, by: actor.role };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

@Module({
  imports: [AuthModule.forRoot({ secret: DEV_AUTH_TOKEN_SECRET, devIssuer: false })],
  controllers: [StackController],
  providers: [MetricsService],
})
class StackModule {}

async function serve(variant: string): Promise<void> {
  // An orderly exit, so that --cpu-prof writes its profile.
  process.once('SIGTERM', () => process.exit(0));
  if (variant === 'node-http') {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const history = /^\/bare\/patients\/([^/]+)\/history$/.exec(url.pathname);
        const body = JSON.stringify(
          req.method === 'POST'
            ? { ins: (JSON.parse(Buffer.concat(chunks).toString()) as { ins: string }).ins }
            : history
              ? { ins: history[1], page: Number(url.searchParams.get('page') ?? 1) }
              : { ok: true },
        );
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as { port: number }).port}`));
    return;
  }
  const [adapterName, kind] = variant.split('-') as [HttpAdapterName, 'bare' | 'stack'];
  const app: INestApplication =
    kind === 'bare'
      ? await NestFactory.create(BareModule, createHttpAdapter(adapterName), { logger: false })
      : await NestFactory.create(StackModule, createHttpAdapter(adapterName), { logger: false, bodyParser: false });
  if (kind === 'stack') configureHttpApp(app, { bodyLimit: '1mb' });
  await app.listen(0, '127.0.0.1');
  console.log(`listening ${(app.getHttpServer().address() as { port: number }).port}`);
}

function startServer(variant: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...SERVER_NODE_ARGS, __filename, '--serve', variant], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${variant} exited with ${code}: ${output}`)));
  });
}

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers: Record<string, string>;
  status: number;
}

async function load(port: number, call: Call, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: call.method, path: call.path, agent, headers: call.headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === call.status ? resolve() : reject(new Error(`${call.method} ${call.path}: ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(call.body);
    });
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
}

async function measure(variant: string, call: Call): Promise<{ cpuUsPerRequest: number; perSecond: number }> {
  const { child, port } = await startServer(variant);
  try {
    await load(port, call, Math.min(3_000, REQUESTS)); // JIT warm-up
    const pid = child.pid ?? -1;
    const cpuBefore = processCpuSeconds(pid) ?? 0;
    const started = performance.now();
    await load(port, call, REQUESTS);
    const seconds = (performance.now() - started) / 1e3;
    const cpu = (processCpuSeconds(pid) ?? 0) - cpuBefore;
    return { cpuUsPerRequest: round((cpu / REQUESTS) * 1e6), perSecond: round(REQUESTS / seconds) };
  } finally {
    child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const token = issueDevToken({ role: ActorRole.PHARMACY, finess: generateFiness(seededRandom(1)) }, DEV_AUTH_TOKEN_SECRET);
  const body = JSON.stringify({ ins: '100017510100151', channel: 'pharmacy' });
  const json = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  const historyQuery = '?from=2025-01-01&to=2026-10-31&codingSystem=ccam&page=2&pageSize=50';
  const calls = (variant: string): Record<CaseName, Call> => {
    const stack = variant.endsWith('-stack');
    const prefix = stack ? '/stack' : '/bare';
    const auth: Record<string, string> = stack ? { authorization: `Bearer ${token}` } : {};
    return {
      get: { method: 'GET', path: `${prefix}/ping`, headers: auth, status: 200 },
      query: { method: 'GET', path: `${prefix}/patients/100017510100151/history${historyQuery}`, headers: auth, status: 200 },
      post: { method: 'POST', path: stack ? '/stack/open' : '/bare/echo', body, headers: { ...auth, ...json }, status: 201 },
    };
  };
  const load1 = loadavg().map((v) => round(v, 2));
  console.log(`http bench: ${REQUESTS} requests per measure, ${CONCURRENCY} keep-alive connections, load average ${load1.join(' ')}`);
  // Variants interleaved over rounds, the lowest CPU per request kept: on a shared machine the
  // noise (other processes, frequency, caches) only ever adds CPU time.
  const results: Record<string, Record<string, number>> = {};
  const labels: Record<CaseName, string> = { get: 'GET', query: 'GET+query', post: 'POST+JSON' };
  for (let round1 = 1; round1 <= ROUNDS; round1++) {
    for (const variant of VARIANTS) {
      const best = (results[variant] ??= {});
      const line: string[] = [];
      for (const name of CASES) {
        const measured = await measure(variant, calls(variant)[name]);
        best[`${name}CpuUs`] = Math.min(best[`${name}CpuUs`] ?? Infinity, measured.cpuUsPerRequest);
        best[`${name}PerSecond`] = Math.max(best[`${name}PerSecond`] ?? 0, measured.perSecond);
        line.push(`${labels[name]} ${String(measured.cpuUsPerRequest).padStart(4)} µs CPU/request (${measured.perSecond}/s)`);
      }
      console.log(`round ${round1} ${variant.padEnd(14)} ${line.join('   ')}`);
    }
  }
  for (const [variant, r] of Object.entries(results)) {
    console.log(`best ${variant.padEnd(14)} ${CASES.map((name) => `${labels[name]} ${String(r[`${name}CpuUs`]).padStart(4)} µs CPU/request`).join('   ')}`);
  }
  const ratio = (a: string, b: string, field: string): number | null =>
    results[a]?.[field] !== undefined && results[b]?.[field] !== undefined ? round(results[a][field] / results[b][field], 2) : null;
  const summary = {
    bench: 'http',
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    loadAverage: load1,
    results,
    fastifyToExpressStackGet: ratio('fastify-stack', 'express-stack', 'getCpuUs'),
    fastifyToExpressStackPost: ratio('fastify-stack', 'express-stack', 'postCpuUs'),
    // What our stack adds to bare Nest on Fastify, per case (the baseline measured in the same run).
    fastifyStackToBareGet: ratio('fastify-stack', 'fastify-bare', 'getCpuUs'),
    fastifyStackToBareQuery: ratio('fastify-stack', 'fastify-bare', 'queryCpuUs'),
    loadAverageAtEnd: loadavg().map((v) => round(v, 2)),
  };
  console.log(JSON.stringify(summary));
}

if (process.argv[2] === '--serve') {
  serve(process.argv[3]).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
