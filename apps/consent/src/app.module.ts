import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@dmp/platform';
import { ChoicesModule } from './choices/choices.module';
import { ConsentConfig } from './config';
import { consentEntities } from './database/entities';
import { consentMigrations } from './database/migrations';
import { EnrolmentModule } from './enrolment/enrolment.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PatientsModule } from './patients/patients.module';
import { TraceModule } from './trace/trace.module';

@Module({})
export class AppModule {
  static forRoot(config: ConsentConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService({
          serviceName: 'consent',
          config,
          entities: consentEntities,
          migrations: consentMigrations,
          // Access events come in bursts: one partition's batch per transaction, more partitions at once.
          messaging: { consumer: { partitionsConsumedConcurrently: 3 } },
        }),
        PatientsModule,
        ChoicesModule,
        TraceModule,
        NotificationsModule,
        EnrolmentModule,
      ],
    };
  }
}
