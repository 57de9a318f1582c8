import { Logger } from '@nestjs/common';

/**
 * A background job run every `intervalMs`, one round at a time: a tick while the previous round
 * is still running is skipped, a failed round is logged and the next tick tries again, and
 * stop() waits for the round in flight (graceful shutdown). The timer does not keep the process
 * alive.
 */
export class PeriodicRounds {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly name: string,
    private readonly logger: Logger,
    private readonly round: () => Promise<unknown>,
  ) {}

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.round()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.error(`${this.name} failed: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
