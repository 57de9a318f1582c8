/**
 * @dmp/messaging: Kafka configuration, transactional outbox + relay, idempotent inbox, retries
 * and the dead-letter topic. See docs/readme/messaging.md.
 *
 * How a service uses it (PlatformModule.forService wires the module for services):
 *   - entities/migrations: add `messagingEntities` and `messagingMigrations` to the service's lists.
 *   - publish: `await outbox.append(manager, envelope)` inside the transaction of the change.
 *   - consume: `@HandleEvent(Topics.X) async handle(envelope, manager) {...}` on an injectable.
 *
 * For @dmp/platform (lifecycle contract):
 *   - import `MessagingModule.forRoot({ serviceName, brokers, clientId })` next to TypeOrmModule.
 *   - after migrations ran and `app.listen()` resolved: `await startMessaging(app)` (starts the
 *     outbox relay and the consumer; consumption therefore begins only once the app is ready).
 *   - shutdown: `app.close()` (or enableShutdownHooks + SIGTERM) stops the consumer (in-flight
 *     batch finishes, offsets committed), then the relay (last flush, lock released), then the
 *     producer, all in `beforeApplicationShutdown`, i.e. before TypeORM closes the DataSource.
 *     `stopMessaging(app)` does the same explicitly.
 */
import { INestApplicationContext } from '@nestjs/common';
import { InboxEntity } from './inbox/inbox-event.entity';
import { MessagingRuntime } from './messaging.runtime';
import { CreateOutboxAndInbox1700000000000 } from './migrations/1700000000000-create-outbox-and-inbox';
import { OutboxBundles1700000001000 } from './migrations/1700000001000-outbox-bundles';
import { OutboxEntity } from './outbox/outbox-event.entity';

export { OutboxEntity } from './outbox/outbox-event.entity';
export { InboxEntity } from './inbox/inbox-event.entity';
export { CreateOutboxAndInbox1700000000000 } from './migrations/1700000000000-create-outbox-and-inbox';
export { OutboxBundles1700000001000 } from './migrations/1700000001000-outbox-bundles';
export {
  OutboxService,
  appendToOutbox,
  appendBundleToOutbox,
  BUNDLE_MAX_MESSAGES,
  findOutboxBacklog,
} from './outbox/outbox.service';
export { bundleLine, readBundle } from './outbox/outbox-bundle';
export type { BundledMessage } from './outbox/outbox-bundle';
export { MessagingHeartbeatContributor } from './outbox/outbox-heartbeat';
export type { MessagingHeartbeatFields } from './outbox/outbox-heartbeat';
export { OutboxRelay, pgClientConfig, metricsReporter } from './outbox/outbox-relay';
export { WorkerThreadOutboxRelay } from './outbox/worker-thread-outbox-relay';
export { spawnWorkerThread } from './worker/spawn-worker-thread';
export { RelayProducer } from './outbox/relay-producer';
export type { RelayMessage, RelayProducerOptions } from './outbox/relay-producer';
export type { OutboxRelayOptions, OutboxRow, RelayDatabase, RelayReporter, RelayLogger } from './outbox/outbox-relay';
export {
  kafkaConfigFromEnv,
  kafkaLogCreator,
  toKafkaJsConfig,
  parseBrokers,
  KafkaConfigError,
} from './kafka/kafka-config';
export type { MessagingKafkaConfig } from './kafka/kafka-config';
export { KafkaPublisher } from './kafka/kafka-publisher';
export type { KafkaPublisherOptions, PublishMessage } from './kafka/kafka-publisher';
export { eventHeaders, eventMessage, topicOf } from './kafka/event-message';
// kafkajs 2.2.4 copies each whole response it is handed (see the file); a socket factory that
// delivers whole responses (apps/documents) applies this fix.
export { applyKafkajsWholeResponseFix } from './kafka/kafkajs-whole-response.fix';
export { HandleEvent, HANDLE_EVENT_METADATA } from './consumer/handle-event.decorator';
export type { HandleEventOptions, HandleEventMetadata } from './consumer/handle-event.decorator';
export { NonRetryableError } from './consumer/non-retryable.error';
export { EventConsumer } from './consumer/event-consumer';
export type {
  EventConsumerOptions,
  RegisteredHandler,
  RetryOptions,
  HandledInfo,
} from './consumer/event-consumer';
export {
  DEAD_LETTER_TOPIC,
  DLQ_HEADERS,
  deadLetterMessage,
  headerText,
} from './consumer/dead-letter';
export { readDeadLetters, replayDeadLetter } from './consumer/dead-letter-replay';
export type { DeadLetter } from './consumer/dead-letter-replay';
export { isTransientInfrastructureError } from './consumer/event-consumer';
export { messagingMetrics } from './metrics/messaging-metrics';
export { MessagingModule } from './messaging.module';
export { MessagingRuntime } from './messaging.runtime';
export { MESSAGING_OPTIONS, KAFKA_CLIENT } from './messaging.options';
export type { MessagingModuleOptions } from './messaging.options';

/** Add to the service's TypeORM entities. */
export const messagingEntities = [OutboxEntity, InboxEntity];

/** Add to the service's migrations (they sort before the service's own). */
export const messagingMigrations = [CreateOutboxAndInbox1700000000000, OutboxBundles1700000001000];

/**
 * Starts the outbox relay and the Kafka consumer of an app built with MessagingModule. Call it
 * after the migrations ran and the app listens (consumption starts only when the app is ready).
 */
export async function startMessaging(app: INestApplicationContext): Promise<void> {
  await app.get(MessagingRuntime).start();
}

/** Alias of `startMessaging`. */
export const startConsumers = startMessaging;

/** Stops consumer, relay and producer (also done automatically by `app.close()`). */
export async function stopMessaging(app: INestApplicationContext): Promise<void> {
  await app.get(MessagingRuntime).stop();
}
