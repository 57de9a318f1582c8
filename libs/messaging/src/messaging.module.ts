import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { toKafkaJsConfig } from './kafka/kafka-config';
import { KafkaPublisher } from './kafka/kafka-publisher';
import { KAFKA_CLIENT, MESSAGING_OPTIONS, MessagingModuleOptions } from './messaging.options';
import { MessagingRuntime } from './messaging.runtime';
import { MessagingHeartbeatContributor } from './outbox/outbox-heartbeat';
import { OutboxRelay } from './outbox/outbox-relay';
import { OutboxService } from './outbox/outbox.service';
import { WorkerThreadOutboxRelay } from './outbox/worker-thread-outbox-relay';

/**
 * Kafka, outbox and inbox for one service. Needs TypeORM's DataSource in the app (the
 * @nestjs/typeorm root module provides it). Global: every module of the service can inject
 * OutboxService and KafkaPublisher.
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        {
          provide: KAFKA_CLIENT,
          useFactory: () =>
            new Kafka({
              ...toKafkaJsConfig({
                brokers: options.brokers,
                clientId: options.clientId ?? `dmp-${options.serviceName}`,
              }),
              ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
            }),
        },
        {
          provide: KafkaPublisher,
          useFactory: (kafka: Kafka) =>
            new KafkaPublisher(kafka, { idempotent: options.idempotentProducer }),
          inject: [KAFKA_CLIENT],
        },
        {
          provide: OutboxRelay,
          useFactory: (dataSource: DataSource, publisher: KafkaPublisher) => {
            const relayOptions = {
              brokers: options.brokers,
              clientId: options.clientId ?? `dmp-${options.serviceName}`,
              ...options.relay,
              serviceName: options.serviceName,
            };
            return relayOptions.worker
              ? new WorkerThreadOutboxRelay(dataSource, publisher, relayOptions)
              : new OutboxRelay(dataSource, publisher, relayOptions);
          },
          inject: [DataSource, KafkaPublisher],
        },
        OutboxService,
        MessagingRuntime,
        MessagingHeartbeatContributor,
      ],
      exports: [
        MESSAGING_OPTIONS,
        KAFKA_CLIENT,
        KafkaPublisher,
        OutboxService,
        OutboxRelay,
        MessagingRuntime,
      ],
    };
  }
}
