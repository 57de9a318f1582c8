import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@dmp/platform';
import { BulkModule } from './bulk/bulk.module';
import { EnrolmentConfig } from './config';
import { enrolmentEntities } from './database/entities';
import { enrolmentMigrations } from './database/migrations';
import { RecordsModule } from './records/records.module';

@Module({})
export class AppModule {
  static forRoot(config: EnrolmentConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService({
          serviceName: 'enrolment',
          config,
          entities: enrolmentEntities,
          migrations: enrolmentMigrations,
          databasePoolSize: config.ENROLMENT_DB_POOL_SIZE,
          messaging: {
            relay: {
              pollIntervalMs: config.ENROLMENT_OUTBOX_POLL_MS,
              retentionMs: config.ENROLMENT_OUTBOX_RETENTION_MS,
              batchSize: config.ENROLMENT_OUTBOX_BATCH_SIZE,
              // Campaigns relay thousands of events a second: RelayProducer costs a fraction of kafkajs per message.
              directProduce: true,
              // Off the main thread: the relay's reads, bundle parsing and encoding no longer delay requests.
              worker: config.ENROLMENT_OUTBOX_RELAY_WORKER,
            },
          },
        }),
        RecordsModule,
        BulkModule,
      ],
    };
  }
}
