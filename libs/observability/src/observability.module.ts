import { DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health/health.controller';
import { KafkaHealthIndicator } from './health/kafka.health';
import { ReadinessService } from './health/readiness.service';
import { HeartbeatContributors } from './heartbeat/heartbeat-contributors';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { OBSERVABILITY_OPTIONS, ObservabilityModuleOptions } from './observability.options';

/**
 * /health/live, /health/ready, /metrics and the ops heartbeat for one service. Global, so any
 * module can inject MetricsService (service metrics) and ReadinessService (own readiness checks).
 * The HTTP request metrics are installed on the app by the platform (installHttpMetrics), per
 * adapter: a Nest middleware cannot see the matched route on Fastify.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityModuleOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      // Terminus' own logger prints a multi-line table on failed checks; /health/ready says it all.
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: OBSERVABILITY_OPTIONS, useValue: options },
        MetricsService,
        ReadinessService,
        KafkaHealthIndicator,
        HeartbeatService,
        HeartbeatContributors,
      ],
      exports: [OBSERVABILITY_OPTIONS, MetricsService, ReadinessService, HeartbeatService, HeartbeatContributors],
    };
  }
}
