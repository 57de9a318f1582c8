// Server CPU per HTTP request of the shared HTTP path, adapter by adapter: bare Node http, bare
// NestJS on Express and on Fastify, and NestJS with our stack (the @dmp/auth guard, the
// validation pipe, the exception filter and the request metrics) on each. No database, no broker:
// what every service pays before its own code runs. Each server is a child process; this process
// is the client (keep-alive, BENCH_CONCURRENCY connections) and reads the server's CPU time from
// /proc before and after BENCH_REQUESTS requests.
// Run: npm run bench:http   (BENCH_REQUESTS=20000 BENCH_CONCURRENCY=8 BENCH_ROUNDS=3
//   BENCH_VARIANTS=express-stack,fastify-stack BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof")
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { Body, Controller, Get, INestApplication, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsIn, IsString, Length } from 'class-validator';
import { AuthModule, CurrentActor, Roles, issueDevToken, type Actor } from '@dmp/auth';
import { ActorRole, generateFiness, seededRandom } from '@dmp/domain';
import { DEV_AUTH_TOKEN_SECRET, createHttpAdapter, configureHttpApp, type HttpAdapterName } from '@dmp/platform';
import { MetricsService } from '@dmp/observability';
import { processCpuSeconds, round } from './support/processes';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Node options for the servers, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const VARIANTS = (process.env.BENCH_VARIANTS ?? 'node-http,express-bare,fastify-bare,express-stack,fastify-stack').split(',');

class OpenDto {
  @IsString()
  @Length(15, 15)
  ins!: string;

  @IsIn(['pharmacy', 'cpam-counter'])
  channel!: string;
}

@Controller('bare')
class BareController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
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
        const body = JSON.stringify(req.method === 'POST' ? { ins: (JSON.parse(Buffer.concat(chunks).toString()) as { ins: string }).ins } : { ok: true });
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
  const calls = (variant: string): Record<'get' | 'post', Call> => {
    const stack = variant.endsWith('-stack');
    const prefix = stack ? '/stack' : '/bare';
    const auth: Record<string, string> = stack ? { authorization: `Bearer ${token}` } : {};
    return {
      get: { method: 'GET', path: `${prefix}/ping`, headers: auth, status: 200 },
      post: { method: 'POST', path: stack ? '/stack/open' : '/bare/echo', body, headers: { ...auth, ...json }, status: 201 },
    };
  };
  const load1 = loadavg().map((v) => round(v, 2));
  console.log(`http bench: ${REQUESTS} requests per measure, ${CONCURRENCY} keep-alive connections, load average ${load1.join(' ')}`);
  // Variants interleaved over rounds, the lowest CPU per request kept: on a shared machine the
  // noise (other processes, frequency, caches) only ever adds CPU time.
  const results: Record<string, Record<string, number>> = {};
  for (let round1 = 1; round1 <= ROUNDS; round1++) {
    for (const variant of VARIANTS) {
      const get = await measure(variant, calls(variant).get);
      const post = await measure(variant, calls(variant).post);
      const best = results[variant];
      results[variant] = {
        getCpuUs: Math.min(best?.getCpuUs ?? Infinity, get.cpuUsPerRequest),
        getPerSecond: Math.max(best?.getPerSecond ?? 0, get.perSecond),
        postCpuUs: Math.min(best?.postCpuUs ?? Infinity, post.cpuUsPerRequest),
        postPerSecond: Math.max(best?.postPerSecond ?? 0, post.perSecond),
      };
      console.log(
        `round ${round1} ${variant.padEnd(14)} GET ${String(get.cpuUsPerRequest).padStart(4)} µs CPU/request (${get.perSecond}/s)   POST+JSON ${String(post.cpuUsPerRequest).padStart(4)} µs CPU/request (${post.perSecond}/s)`,
      );
    }
  }
  for (const [variant, r] of Object.entries(results)) {
    console.log(`best ${variant.padEnd(14)} GET ${String(r.getCpuUs).padStart(4)} µs CPU/request   POST+JSON ${String(r.postCpuUs).padStart(4)} µs CPU/request`);
  }
  const ratio = (a: string, b: string, field: string): number | null =>
    results[a] && results[b] ? round(results[a][field] / results[b][field], 2) : null;
  const summary = {
    bench: 'http',
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    loadAverage: load1,
    results,
    fastifyToExpressStackGet: ratio('fastify-stack', 'express-stack', 'getCpuUs'),
    fastifyToExpressStackPost: ratio('fastify-stack', 'express-stack', 'postCpuUs'),
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
