import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@dmp/platform';
import { DocumentsConfig } from './config';
import { documentsEntities } from './database/entities';
import { documentsMigrations } from './database/migrations';
import { framedKafkaSocketFactory } from './kafka/framed-kafka-socket';
import { ReadingModule } from './reading/reading.module';
import { SubmissionsModule } from './submissions/submissions.module';

@Module({})
export class AppModule {
  static forRoot(config: DocumentsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService({
          serviceName: 'documents',
          config,
          entities: documentsEntities,
          migrations: documentsMigrations,
          // Submissions are keyed by establishment: several partitions filed at once.
          messaging: {
            ...(config.DOCUMENTS_KAFKA_READ_IN_PLACE ? { socketFactory: framedKafkaSocketFactory({ reuseFetchBuffers: config.DOCUMENTS_KAFKA_REUSE_FETCH_BUFFERS }) } : {}),
            consumer: { partitionsConsumedConcurrently: 3, groupId: config.DOCUMENTS_CONSUMER_GROUP, maxBytesPerPartition: config.DOCUMENTS_KAFKA_FETCH_BYTES_PER_PARTITION },
            // Hundreds of document-added events and submission answers a second: RelayProducer
            // encodes each partition's Produce batch in one buffer, a fraction of kafkajs's CPU.
            relay: { directProduce: true },
          },
        }),
        SubmissionsModule,
        ReadingModule,
      ],
    };
  }
}
