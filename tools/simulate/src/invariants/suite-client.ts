import { issueDevToken, Role, type Actor } from '@dmp/auth';
import { DEV_AUTH_TOKEN_SECRET } from '@dmp/platform';
import { httpRequest } from '../http-client';

export type ServiceUrls = Record<
  'enrolment' | 'documents' | 'reimbursements' | 'consent' | 'analytics',
  string
>;

export class SuiteRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = SuiteRequestError.name;
  }
}

/**
 * Reads the suite through its public HTTP APIs only, with development tokens signed by the
 * development secret (the services accept them whenever NODE_ENV is not production).
 * A request that failed without an answer, or that a restarting suite answered 502/503, is
 * tried again: the invariant checks only read (their own reads are traced, and are made after
 * the trace has been checked).
 */
export class SuiteClient {
  private readonly tokens = new Map<string, string>();
  requests = 0;

  constructor(
    readonly urls: ServiceUrls,
    private readonly secret = DEV_AUTH_TOKEN_SECRET,
    private readonly attempts = 8,
  ) {}

  token(actor: Actor): string {
    const key = JSON.stringify(actor);
    let token = this.tokens.get(key);
    if (!token) {
      // Long enough for the slowest convergence wait of a large run.
      token = issueDevToken(actor, this.secret, 6 * 3600);
      if (this.tokens.size > 10_000) this.tokens.clear();
      this.tokens.set(key, token);
    }
    return token;
  }

  operator(): Actor {
    return { role: Role.OPERATOR, operatorId: 'chaos-invariants' } as Actor;
  }

  patient(ins: string): Actor {
    return { role: Role.PATIENT, ins } as Actor;
  }

  async get<T>(service: keyof ServiceUrls, path: string, actor: Actor): Promise<T> {
    let lastError = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      this.requests++;
      try {
        const response = await httpRequest(`${this.urls[service]}${path}`, {
          method: 'GET',
          headers: { authorization: `Bearer ${this.token(actor)}` },
          timeoutMs: 60_000,
        });
        const text = response.text;
        if (response.status === 200) return JSON.parse(text) as T;
        lastError = `${response.status} ${text.slice(0, 300)}`;
        if (response.status !== 502 && response.status !== 503 && response.status !== 504) {
          throw new SuiteRequestError(`GET ${service}${path}: ${lastError}`, response.status);
        }
      } catch (error) {
        if (error instanceof SuiteRequestError) throw error;
        lastError = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5_000)));
    }
    throw new SuiteRequestError(
      `GET ${service}${path}: no answer after ${this.attempts} attempts (${lastError})`,
      0,
    );
  }
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from(
    { length: Math.max(1, Math.min(concurrency, items.length)) },
    async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    },
  );
  await Promise.all(workers);
}
