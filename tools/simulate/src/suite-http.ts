import { issueDevToken, type Actor } from '@dmp/auth';
import { httpRequest } from './http-client';
import type { ServiceEndpoints, ServiceName } from './types';

export interface SuiteAnswer {
  /** HTTP status of the final answer; 0 when the suite gave none before the deadline. */
  status: number;
  /** The parsed JSON body (undefined when not JSON). */
  body: unknown;
  text: string;
  attempts: number;
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body (sent as is, with `contentType`). */
  raw?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Also retry answers this predicate accepts (consent's 409 RECORD_NOT_OPEN while it catches up). */
  retryWhen?: (status: number, body: unknown) => boolean;
}

/** Answers that mean "not now" rather than "no": the service is down, restarting or overloaded. */
export function isTransient(status: number): boolean {
  return (
    status === 0 ||
    status === 429 ||
    status === 500 ||
    status === 502 ||
    status === 503 ||
    status === 504
  );
}

export function errorCodeOf(body: unknown): string | undefined {
  return typeof body === 'object' &&
    body !== null &&
    typeof (body as { code?: unknown }).code === 'string'
    ? (body as { code: string }).code
    : undefined;
}

/** A short description of a refusal: its code and the fields' reasons. */
export function describeRefusal(status: number, body: unknown, text: string): string {
  if (typeof body === 'object' && body !== null) {
    const b = body as {
      code?: string;
      message?: string;
      errors?: Array<{ field?: string; reason?: string }>;
      reasons?: unknown;
    };
    const fields = (b.errors ?? []).map((e) => `${e.field ?? '?'}: ${e.reason ?? '?'}`).join('; ');
    return [b.code ?? String(status), fields || b.message].filter(Boolean).join(' ');
  }
  return status === 0 ? 'no answer' : `${status} ${text.slice(0, 200)}`;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * The suite's HTTP APIs with development tokens, retrying while a service does not answer
 * (connection refused or reset, 5xx from a restarting service, timeouts) with capped
 * exponential backoff until `deadlineMs` after the first attempt. Every request the simulator
 * repeats is safe to repeat: the suite's own idempotency keys (the INS of an opening, a
 * document's id and hash, a feed file's id) make the second attempt a no-op.
 */
export class SuiteHttp {
  private readonly tokens = new Map<string, string>();
  retries = 0;

  constructor(
    private readonly endpoints: ServiceEndpoints,
    private readonly secret: string,
    private readonly deadlineMs: number,
    private readonly signal?: AbortSignal,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  token(actor: Actor): string {
    const key = JSON.stringify(actor);
    let token = this.tokens.get(key);
    if (token === undefined) {
      token = issueDevToken(actor, this.secret, 12 * 3600);
      if (this.tokens.size > 50_000) this.tokens.clear();
      this.tokens.set(key, token);
    }
    return token;
  }

  async request(
    service: ServiceName,
    method: string,
    path: string,
    actor: Actor,
    options: RequestOptions = {},
  ): Promise<SuiteAnswer> {
    const deadline = Date.now() + this.deadlineMs;
    let attempts = 0;
    let last: SuiteAnswer = { status: 0, body: undefined, text: '', attempts: 0 };
    let quietSince = 0;
    for (;;) {
      attempts++;
      last = await this.once(service, method, path, actor, options);
      last.attempts = attempts;
      const again =
        isTransient(last.status) || (options.retryWhen?.(last.status, last.body) ?? false);
      // Out of time with a transient answer: the caller records the effect as unknown.
      if (!again || this.signal?.aborted || Date.now() >= deadline) return last;
      this.retries++;
      if (quietSince === 0) {
        quietSince = Date.now();
        if (isTransient(last.status))
          this.log(
            `${service} ${method} ${path}: ${last.status === 0 ? last.text : last.status}; retrying`,
          );
      }
      const backoff = Math.min(5_000, 100 * 2 ** Math.min(attempts, 6)) * (0.5 + Math.random() / 2);
      await sleep(Math.min(backoff, Math.max(0, deadline - Date.now())), this.signal);
    }
  }

  private async once(
    service: ServiceName,
    method: string,
    path: string,
    actor: Actor,
    options: RequestOptions,
  ): Promise<SuiteAnswer> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token(actor)}`,
      ...options.headers,
    };
    let payload: string | Buffer | undefined;
    if (options.raw !== undefined) {
      payload = options.raw;
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    } else if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    try {
      const response = await httpRequest(`${this.endpoints[service]}${path}`, {
        method,
        headers,
        ...(payload !== undefined ? { body: payload } : {}),
        timeoutMs: 60_000,
      });
      const text = response.text;
      let body: unknown;
      try {
        body = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: response.status, body, text, attempts: 1 };
    } catch (error) {
      return {
        status: 0,
        body: undefined,
        text: error instanceof Error ? error.message : String(error),
        attempts: 1,
      };
    }
  }
}

/** Runs `work` over `items` with at most `concurrency` at a time (stops taking new items once `signal` aborts). */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const workers = Array.from(
    { length: Math.max(1, Math.min(concurrency, items.length)) },
    async () => {
      while (next < items.length && !signal?.aborted) {
        const item = items[next++] as T;
        await work(item);
      }
    },
  );
  await Promise.all(workers);
}

export { sleep };
