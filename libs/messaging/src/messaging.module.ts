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
            new Kafka(
              toKafkaJsConfig({
                brokers: options.brokers,
                clientId: options.clientId ?? `dmp-${options.serviceName}`,
              }),
            ),
        },
        {
          provide: KafkaPublisher,
          useFactory: (kafka: Kafka) =>
            new KafkaPublisher(kafka, { idempotent: options.idempotentProducer }),
          inject: [KAFKA_CLIENT],
        },
        {
          provide: OutboxRelay,
          useFactory: (dataSource: DataSource, publisher: KafkaPublisher) =>
            new OutboxRelay(dataSource, publisher, {
              brokers: options.brokers,
              clientId: options.clientId ?? `dmp-${options.serviceName}`,
              ...options.relay,
              serviceName: options.serviceName,
            }),
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
