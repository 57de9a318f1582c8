import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { Kafka } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { EventEnvelope } from '@dmp/contracts';
import { EventConsumer, RegisteredHandler } from './consumer/event-consumer';
import { HANDLE_EVENT_METADATA, HandleEventMetadata } from './consumer/handle-event.decorator';
import { KafkaPublisher } from './kafka/kafka-publisher';
import { KAFKA_CLIENT, MESSAGING_OPTIONS, MessagingModuleOptions } from './messaging.options';
import { OutboxRelay } from './outbox/outbox-relay';

type HandlerMethod = (
  input: EventEnvelope<unknown> | EventEnvelope<unknown>[],
  manager: EntityManager,
) => Promise<void>;

/**
 * Owns the relay and the consumer of one service instance. Nothing starts at module init:
 * `startMessaging(app)` (called by @dmp/platform once migrations ran and the HTTP server listens)
 * starts both; Nest's shutdown (`app.close()`, SIGTERM with enableShutdownHooks) stops them
 * before the DataSource closes.
 */
@Injectable()
export class MessagingRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MessagingRuntime.name);
  private consumer: EventConsumer | null = null;
  private started = false;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly publisher: KafkaPublisher,
    readonly relay: OutboxRelay,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.autoStart) await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** The consumer (null before start or when no `@HandleEvent` method exists). */
  get eventConsumer(): EventConsumer | null {
    return this.consumer;
  }

  /** Starts the outbox relay and the consumer of the discovered `@HandleEvent` methods. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.options.relay?.enabled !== false) this.relay.start();
    const handlers = this.discoverHandlers();
    if (this.options.consumer?.enabled === false || handlers.length === 0) return;
    this.consumer = new EventConsumer(this.kafka, this.dataSource, this.publisher, handlers, {
      ...this.options.consumer,
      serviceName: this.options.serviceName,
    });
    await this.consumer.start();
  }

  /** Graceful stop: consumer (in-flight batch finishes), relay (last flush), producer. */
  async stop(): Promise<void> {
    const wasStarted = this.started;
    this.started = false;
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.stop();
    await this.relay.stop();
    // Also when never started: a service may have published directly through KafkaPublisher.
    await this.publisher.disconnect();
    if (wasStarted)
      this.logger.log({ msg: 'messaging stopped', service: this.options.serviceName });
  }

  /** Every `@HandleEvent` method of every provider and controller of the app. */
  discoverHandlers(): RegisteredHandler[] {
    const handlers: RegisteredHandler[] = [];
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    const seen = new Set<object>();
    for (const wrapper of wrappers) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const entries = Reflect.getMetadata(HANDLE_EVENT_METADATA, method) as
          HandleEventMetadata[] | undefined;
        for (const entry of entries ?? []) {
          const bound = (method as HandlerMethod).bind(instance);
          handlers.push({
            topic: entry.topic,
            name: `${instance.constructor.name}.${name}`,
            batch: entry.batch,
            maxBatchSize: entry.maxBatchSize,
            schemaTopic: entry.schemaTopic,
            ...(entry.inbox === false ? { inbox: false } : {}),
            ...(entry.decode ? { decode: entry.decode } : {}),
            handle: bound,
          });
        }
      }
    }
    return handlers;
  }
}
