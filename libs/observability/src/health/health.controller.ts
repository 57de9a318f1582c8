import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { OBSERVABILITY_OPTIONS, ObservabilityModuleOptions } from '../observability.options';
import { KafkaHealthIndicator, withTimeout } from './kafka.health';
import { ReadinessService } from './readiness.service';
import { Public } from '@dmp/auth';

/**
 * Liveness says the process answers (restart it if not); readiness says it can do its job:
 * started, database and Kafka reachable, and every check a service registered is up.
 */
@ApiExcludeController()
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly kafka: KafkaHealthIndicator,
    private readonly readiness: ReadinessService,
    @Inject(OBSERVABILITY_OPTIONS) private readonly options: ObservabilityModuleOptions,
    @Optional() private readonly database?: TypeOrmHealthIndicator,
  ) {}

  /**
   * The body Terminus would give for one `process` indicator that is up, built directly: a
   * liveness probe can come every second from every orchestrator and load balancer, and the
   * HealthCheckService (async indicator runs, result merging) cost more than the rest of the request.
   */
  @Get('live')
  live() {
    const process_ = { status: 'up' as const, uptimeSeconds: Math.round(process.uptime()) };
    return { status: 'ok' as const, info: { process: process_ }, error: {}, details: { process: process_ } };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    const timeout = this.options.checkTimeoutMs ?? 3_000;
    const checks: HealthIndicatorFunction[] = [
      () => {
        const indicator = this.indicators.check('instance');
        return this.readiness.isReady
          ? indicator.up({ state: this.readiness.state })
          : indicator.down({ state: this.readiness.state });
      },
    ];
    if (this.database && this.options.databaseCheck !== false) {
      const database = this.database;
      checks.push(() => database.pingCheck('database', { timeout }));
    }
    checks.push(() => this.kafka.isHealthy('kafka', timeout));
    for (const [name, indicator] of this.readiness.registered()) {
      checks.push(async () => {
        const check = this.indicators.check(name);
        try {
          const result = await withTimeout(Promise.resolve(indicator()), timeout, `no answer within ${timeout} ms`);
          return result.up ? check.up(result.details) : check.down(result.details);
        } catch (error) {
          return check.down({ message: error instanceof Error ? error.message : String(error) });
        }
      });
    }
    return this.health.check(checks);
  }
}
