import { Injectable } from '@nestjs/common';

export interface IndicatorResult {
  up: boolean;
  /** Shown under the indicator's name in /health/ready. */
  details?: Record<string, unknown>;
}
export type ReadinessIndicator = () => Promise<IndicatorResult> | IndicatorResult;

/**
 * The instance's own readiness: false until the platform has run migrations, listens and has
 * started its consumers; false again as soon as shutdown begins, so load balancers stop routing
 * before connections close. Services add their own checks with `register(name, indicator)`.
 */
@Injectable()
export class ReadinessService {
  private ready = false;
  private reason = 'starting';
  private readonly indicators = new Map<string, ReadinessIndicator>();

  markReady(): void {
    this.ready = true;
    this.reason = 'ready';
  }

  markNotReady(reason: string): void {
    this.ready = false;
    this.reason = reason;
  }

  get isReady(): boolean {
    return this.ready;
  }

  get state(): string {
    return this.reason;
  }

  /** Adds a readiness check (e.g. a cache warmed, a dependency reachable). Names are unique. */
  register(name: string, indicator: ReadinessIndicator): void {
    if (this.indicators.has(name)) throw new Error(`readiness indicator "${name}" is registered twice`);
    this.indicators.set(name, indicator);
  }

  registered(): ReadonlyMap<string, ReadinessIndicator> {
    return this.indicators;
  }
}
