/** Resolves after `ms` (between polls only: never as a way to wait for something to happen). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = DeadlineError.name;
  }
}

/**
 * Calls `probe` until it returns true, or throws a DeadlineError naming `what` and the last
 * failure once `timeoutMs` has passed. A probe that throws counts as "not yet".
 */
export async function pollUntil(
  probe: () => Promise<boolean> | boolean,
  options: {
    timeoutMs: number;
    intervalMs?: number;
    what: string;
    abort?: () => string | undefined;
  },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const aborted = options.abort?.();
    if (aborted) throw new DeadlineError(`gave up waiting for ${options.what}: ${aborted}`);
    try {
      if (await probe()) return;
      last = 'condition false';
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new DeadlineError(
        `${options.what}: not reached within ${Math.round(options.timeoutMs / 1000)} s (last: ${last})`,
      );
    }
    await pause(options.intervalMs ?? 200);
  }
}
