import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@dmp/platform';
import { ReimbursementsConfig } from './config';
import { reimbursementsEntities } from './database/entities';
import { reimbursementsMigrations } from './database/migrations';
import { HistoryModule } from './history/history.module';
import { ImportsModule } from './imports/imports.module';
import { PatientsModule } from './patients/patients.module';

@Module({})
export class AppModule {
  static forRoot(config: ReimbursementsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService({
          serviceName: 'reimbursements',
          config,
          entities: reimbursementsEntities,
          migrations: reimbursementsMigrations,
          // Import workers hold connections for the length of a file; reads need their own.
          databasePoolSize: 10 + config.REIMBURSEMENTS_IMPORT_CONNECTIONS,
          // Every history read leaves an access event for the relay to publish: RelayProducer
          // costs a fraction of kafkajs's CPU per message, on the thread that serves the reads,
          // and a round at most every 25 ms carries the traces of many group commits (a round
          // per commit cost PostgreSQL about as much as the read itself).
          messaging: { relay: { directProduce: true, minRoundGapMs: 25 } },
        }),
        PatientsModule,
        ImportsModule,
        HistoryModule,
      ],
    };
  }
}
