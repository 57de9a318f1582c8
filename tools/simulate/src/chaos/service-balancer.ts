import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { pause } from './poll';

export interface Upstream {
  readonly name: string;
  readonly url: string;
  readonly running: boolean;
}

/** Bodies larger than this are streamed through once, without the retry on a refused connection. */
const MAX_BUFFERED_BODY = 64 * 1024 * 1024;

/**
 * One stable loopback address per service in front of its instances, as a load balancer is in
 * production: the simulator keeps one URL per service while the chaos run kills and restarts
 * instances behind it.
 *
 * A request whose connection was refused never reached a service, so it is tried on another
 * instance (or on the same one once it is back, for up to `waitForUpstreamMs`). A request whose
 * instance died after receiving it may or may not have taken effect: that is answered 502
 * `UPSTREAM_LOST`, never retried here, so the caller decides (and the ledger can say "unknown").
 */
export class ServiceBalancer {
  private server: Server | undefined;
  private next = 0;
  // Keep-alive towards the instances: a new connection per request cost the balancer and the
  // instance more CPU than the request itself. A refused connection is still the only failure
  // that proves a request never reached an instance, and the only one retried here; a reused
  // connection that breaks before the answer (its instance was killed) is answered 502 like any
  // other loss. Idle connections are dropped after 2 s, well before the instances' own idle
  // timeout (Node's 5 s, Fastify's 72 s), so an idle close never races a new request.
  private readonly agent = new Agent({
    keepAlive: true,
    maxSockets: 256,
    maxFreeSockets: 64,
    timeout: 2_000,
  });
  port = 0;
  /** Requests answered 502 because the instance died while handling them. */
  lost = 0;
  /** Connection attempts refused (instance down) that were tried elsewhere. */
  rerouted = 0;

  constructor(
    readonly service: string,
    private readonly upstreams: readonly Upstream[],
    private readonly waitForUpstreamMs = 90_000,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private pick(): Upstream | undefined {
    const live = this.upstreams.filter((u) => u.running);
    if (live.length === 0) return undefined;
    this.next = (this.next + 1) % live.length;
    return live[this.next];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const declared = Number(req.headers['content-length'] ?? 0);
    let body: Buffer | undefined;
    if (declared <= MAX_BUFFERED_BODY && req.headers['transfer-encoding'] === undefined) {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      body = Buffer.concat(chunks);
    }
    const deadline = Date.now() + this.waitForUpstreamMs;
    for (;;) {
      const upstream = this.pick();
      if (!upstream) {
        if (Date.now() > deadline)
          return this.fail(
            res,
            503,
            'NO_INSTANCE',
            `no ${this.service} instance came up within ${this.waitForUpstreamMs} ms`,
          );
        await pause(100);
        continue;
      }
      const outcome = await this.forward(upstream, req, res, body);
      if (outcome === 'done') return;
      if (outcome === 'refused' && body !== undefined && Date.now() < deadline) {
        this.rerouted++;
        await pause(50);
        continue;
      }
      this.lost++;
      return this.fail(
        res,
        502,
        'UPSTREAM_LOST',
        `${upstream.name} went away while handling the request: it may or may not have taken effect`,
      );
    }
  }

  private forward(
    upstream: Upstream,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer | undefined,
  ): Promise<'done' | 'refused' | 'lost'> {
    return new Promise((resolve) => {
      const target = new URL(req.url ?? '/', upstream.url);
      const headers = { ...req.headers, host: target.host };
      let answered = false;
      const upstreamRequest = request(
        target,
        { method: req.method, headers, agent: this.agent },
        (upstreamResponse) => {
          answered = true;
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(res);
          upstreamResponse.once('error', () => res.destroy());
          upstreamResponse.once('end', () => resolve('done'));
          upstreamResponse.once('aborted', () => {
            res.destroy();
            resolve('done');
          });
        },
      );
      upstreamRequest.once('error', (error: NodeJS.ErrnoException) => {
        if (answered) {
          res.destroy();
          return resolve('done');
        }
        resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'lost');
      });
      if (body !== undefined) upstreamRequest.end(body);
      else req.pipe(upstreamRequest);
    });
  }

  private fail(res: ServerResponse, status: number, code: string, message: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ statusCode: status, code, message, errors: [] }));
  }
}
