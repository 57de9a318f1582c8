import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@dmp/platform';
import { AnalyticsConfig } from './config';
import { analyticsEntities } from './database/entities';
import { analyticsMigrations } from './database/migrations';
import { FiguresController } from './figures/figures.controller';
import { CPAM_OFFICES, FiguresService } from './figures/figures.service';
import { loadCpamReference } from './reference/cpam-reference';
import { EnrolmentEventsHandler } from './records/enrolment-events.handler';
import { OpsModule } from './ops/ops.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { ActivityEventsHandler } from './activity/activity-events.handler';
import { ActivityFiguresController } from './figures/activity-figures.controller';
import { ActivityFiguresService } from './figures/activity-figures.service';

@Module({})
export class AppModule {
  static forRoot(config: AnalyticsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService({
          serviceName: 'analytics',
          config,
          entities: analyticsEntities,
          migrations: analyticsMigrations,
          // Eleven topics of three partitions: more partitions in flight overlap one batch's
          // database round trips with the next one's validation.
          messaging: { consumer: { partitionsConsumedConcurrently: config.ANALYTICS_CONSUMER_CONCURRENCY } },
        }),
        OpsModule,
        DashboardModule,
      ],
      controllers: [FiguresController, ActivityFiguresController],
      providers: [
        FiguresService,
        EnrolmentEventsHandler,
        ActivityFiguresService,
        ActivityEventsHandler,
        // Loaded once at boot: a bad reference file stops the boot with the line at fault.
        { provide: CPAM_OFFICES, useValue: loadCpamReference(config.ANALYTICS_CPAM_REFERENCE_FILE) },
      ],
    };
  }
}
