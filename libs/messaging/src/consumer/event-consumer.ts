import { Logger } from '@nestjs/common';
import { EventEnvelope, ParseEventResult, isEventTopic, parseEventSync } from '@dmp/contracts';
import { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { KafkaPublisher } from '../kafka/kafka-publisher';
import { messagingMetrics } from '../metrics/messaging-metrics';
import { DEAD_LETTER_TOPIC, deadLetterMessage } from './dead-letter';
import { NonRetryableError } from './non-retryable.error';

/** A handler as the consumer runs it (built from `@HandleEvent` methods, or by hand). */
export interface RegisteredHandler {
  topic: string;
  /** `Class.method`, for logs. */
  name: string;
  batch: boolean;
  maxBatchSize: number;
  /** The topic whose event definition validates the messages; default `topic`. */
  schemaTopic?: string;
  /** Decodes a message value instead of `parseEventSync(schemaTopic, value)` (see HandleEventOptions). */
  decode?: (value: Buffer | null) => ParseEventResult<unknown>;
  /** false: the handler is idempotent by its own keys; see HandleEventOptions.inbox. */
  inbox?: boolean;
  handle(
    input: EventEnvelope<unknown> | EventEnvelope<unknown>[],
    manager: EntityManager,
  ): Promise<void>;
}

export interface RetryOptions {
  /** Attempts before a failing event is dead-lettered (first try included); default 5. */
  attempts?: number;
  /** Delay before the 2nd attempt, doubled each time; default 200 ms. */
  initialDelayMs?: number;
  /** Cap of the delay; default 10000 ms. */
  maxDelayMs?: number;
}

export interface HandledInfo {
  topic: string;
  partition: number;
  /** Offsets of the messages whose transaction just committed (duplicates included). */
  offsets: string[];
}

export interface EventConsumerOptions {
  serviceName: string;
  /** Default `dmp-<serviceName>`: all instances of a service share the group. */
  groupId?: string;
  retry?: RetryOptions;
  /** Partitions processed in parallel by this instance; default 2. */
  partitionsConsumedConcurrently?: number;
  /** A new group starts at the beginning of its topics (events already there count); default true. */
  fromBeginning?: boolean;
  /** Commit the resolved offset at least this often during a long batch; default 1000 ms. */
  commitIntervalMs?: number;
  /** Consumer-lag gauge refresh period; 0 disables; default 15000 ms. */
  lagRefreshMs?: number;
  /**
   * Inbox rows older than this are purged (per group, by any instance). A redelivery older than
   * it would be applied again, so keep it above the topics' retention. 0 keeps rows forever.
   * Default 14 days.
   */
  inboxRetentionMs?: number;
  /** How often the purge runs; default 10 minutes. */
  inboxPurgeIntervalMs?: number;
  /** Partitions to create a missing subscribed topic with; default 3. */
  defaultPartitions?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits for data; bounds how long a graceful stop waits. Default 1000 ms. */
  maxWaitTimeMs?: number;
  /**
   * Bytes fetched per partition per request (kafkajs default 1 MiB). Raise it for topics of large
   * messages (document bodies) so that a batch handler gets more than a few messages at a time.
   */
  maxBytesPerPartition?: number;
  /**
   * Called after the transaction of a message (or batch) committed and BEFORE its offset is
   * resolved. Instrumentation; the end-to-end tests inject a crash here.
   */
  onHandled?: (info: HandledInfo) => void | Promise<void>;
}

/** A third of the session timeout (at most 3 s): a member misses two heartbeats before it is dropped. */
export function defaultHeartbeatIntervalMs(sessionTimeoutMs = 30_000): number {
  return Math.max(100, Math.min(3_000, Math.floor(sessionTimeoutMs / 3)));
}

interface Item {
  message: KafkaMessage;
  envelope: EventEnvelope<unknown>;
}

type Outcome = 'done' | 'aborted';

/**
 * The service's one Kafka consumer. For each message: parse and validate (`parseEvent`), then
 * in ONE transaction record (group, eventId) in the inbox (a duplicate is skipped) and run the
 * topic's handlers with that transaction's EntityManager; only after the commit is the offset
 * resolved and committed. Invalid messages go to the dead-letter topic at once; handler failures
 * are retried with exponential backoff (the partition waits: order is kept), then dead-lettered.
 */
export class EventConsumer {
  private readonly logger = new Logger(EventConsumer.name);
  readonly groupId: string;
  private readonly byTopic = new Map<string, RegisteredHandler[]>();
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private lagTimer: NodeJS.Timeout | null = null;
  private purgeTimer: NodeJS.Timeout | null = null;
  private joined = false;
  // Partitions this instance owns; it reports the lag of those only (dashboards sum instances).
  private assignment: Record<string, number[]> = {};
  private readonly joinWaiters: Array<() => void> = [];
  private readonly attempts: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly publisher: KafkaPublisher,
    handlers: RegisteredHandler[],
    private readonly options: EventConsumerOptions,
  ) {
    this.groupId = options.groupId ?? `dmp-${options.serviceName}`;
    for (const handler of handlers) {
      const schemaTopic = handler.schemaTopic ?? handler.topic;
      // Fail at boot, not by dead-lettering every message: no definition, no validation.
      if (!isEventTopic(schemaTopic)) {
        throw new Error(
          `${handler.name} handles "${handler.topic}", which has no event definition in @dmp/contracts ` +
            '(pass { schemaTopic } naming the registered topic whose event it carries)',
        );
      }
      const list = this.byTopic.get(handler.topic) ?? [];
      if (list.length > 0 && (list[0].schemaTopic ?? list[0].topic) !== schemaTopic) {
        throw new Error(
          `${handler.name} and ${list[0].name} validate "${handler.topic}" with different schemas`,
        );
      }
      list.push(handler);
      this.byTopic.set(handler.topic, list);
    }
    this.attempts = Math.max(1, options.retry?.attempts ?? 5);
    this.initialDelayMs = options.retry?.initialDelayMs ?? 200;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 10_000;
  }

  get topics(): string[] {
    return [...this.byTopic.keys()];
  }

  get isRunning(): boolean {
    return this.consumer !== null;
  }

  /** Resolves once the consumer has joined its group and received its partitions. */
  waitUntilJoined(): Promise<void> {
    if (this.joined || this.byTopic.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.joinWaiters.push(resolve));
  }

  /** Subscribes to the handlers' topics and starts consuming (no-op without handlers). */
  async start(): Promise<void> {
    if (this.consumer || this.byTopic.size === 0) return;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? defaultHeartbeatIntervalMs(this.options.sessionTimeoutMs),
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 1_000,
      ...(this.options.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: this.options.maxBytesPerPartition, maxBytes: Math.max(10 * 1024 * 1024, this.options.maxBytesPerPartition * 4) }),
      allowAutoTopicCreation: true,
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.joined = true;
      this.assignment = event.payload.memberAssignment;
      this.logger.log({
        msg: 'joined consumer group',
        group: this.groupId,
        assignment: event.payload.memberAssignment,
      });
      this.joinWaiters.splice(0).forEach((resolve) => resolve());
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.logger.error({
        msg: 'consumer crashed',
        group: this.groupId,
        error: String(event.payload.error),
        restart: event.payload.restart,
      });
    });
    this.consumer = consumer;
    await this.ensureTopics();
    await this.publisher.connect();
    await consumer.connect();
    await consumer.subscribe({
      topics: this.topics,
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 2,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.startLagRefresh();
    this.startInboxPurge();
    this.logger.log({ msg: 'consuming', group: this.groupId, topics: this.topics });
  }

  /** Stops fetching, lets the in-flight batch finish (its offsets are committed), disconnects. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = null;
    if (this.lagTimer) clearInterval(this.lagTimer);
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.lagTimer = null;
    this.purgeTimer = null;
    await consumer
      .stop()
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'consumer stop failed', error: String(error) }),
      );
    await consumer
      .disconnect()
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'consumer disconnect failed', error: String(error) }),
      );
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect().catch(() => undefined);
    this.joined = false;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    const handlers = this.byTopic.get(topic);
    if (!handlers || batch.messages.length === 0) return;
    const batchHandlers = handlers.filter((h) => h.batch);
    const chunkSize =
      batchHandlers.length > 0 ? Math.min(...batchHandlers.map((h) => h.maxBatchSize)) : 1;
    const schemaTopic = handlers[0].schemaTopic ?? topic;
    // Synchronous on purpose: a batch of 1,000 promises costs more than the validation itself.
    const decode = handlers.find((h) => h.decode)?.decode;
    const parsed = batch.messages.map((m) => decodeSafely(decode, schemaTopic, m.value));

    let lastCommit = Date.now();
    let resolved: string | null = null;
    const commit = async (): Promise<void> => {
      if (resolved === null) return;
      await payload.commitOffsetsIfNecessary({
        topics: [
          { topic, partitions: [{ partition, offset: (BigInt(resolved) + 1n).toString() }] },
        ],
      });
      resolved = null;
      lastCommit = Date.now();
    };
    const resolve = (offset: string): void => {
      resolveOffset(offset);
      resolved = offset;
    };

    let i = 0;
    while (i < batch.messages.length) {
      if (!isRunning() || isStale()) break;
      const message = batch.messages[i];
      const result = parsed[i];
      if (!result.ok) {
        await this.deadLetter(topic, partition, message, `invalid event: ${result.reason}`);
        resolve(message.offset);
        i++;
        continue;
      }
      const chunk: Item[] = [];
      while (i < batch.messages.length && chunk.length < chunkSize) {
        const next = parsed[i];
        if (!next.ok) break;
        chunk.push({
          message: batch.messages[i],
          envelope: next.envelope as EventEnvelope<unknown>,
        });
        i++;
      }
      const outcome = await this.processChunk(topic, partition, chunk, handlers, payload);
      if (outcome === 'aborted') break;
      resolve(chunk[chunk.length - 1].message.offset);
      await heartbeat();
      if (Date.now() - lastCommit >= (this.options.commitIntervalMs ?? 1000)) await commit();
    }
    await commit();
  }

  /** Handles a chunk with retries; a chunk of several events that keeps failing is split. */
  private async processChunk(
    topic: string,
    partition: number,
    chunk: Item[],
    handlers: RegisteredHandler[],
    payload: EachBatchPayload,
  ): Promise<Outcome> {
    let attempt = 0;
    let outage = 0;
    for (;;) {
      const started = process.hrtime.bigint();
      let fresh: number;
      try {
        fresh = await this.handleInTransaction(topic, partition, chunk, handlers);
      } catch (error) {
        if (isTransientInfrastructureError(error)) {
          // The database (not the event) is the problem: dead-lettering would throw away good
          // events during an outage. Wait, keeping the partition's order, until it is back.
          outage++;
          const delay = Math.min(
            this.maxDelayMs,
            this.initialDelayMs * 2 ** Math.min(outage - 1, 10),
          );
          this.logger.warn({
            msg: 'database unavailable; waiting',
            topic,
            partition,
            delayMs: delay,
            error: message(error),
          });
          if (!(await this.backoff(delay, payload))) return 'aborted';
          continue;
        }
        attempt++;
        const permanent = error instanceof NonRetryableError;
        if (permanent || attempt >= this.attempts) {
          if (chunk.length > 1) {
            // Isolate the poison event: every event of the batch gets its own chance.
            for (const item of chunk) {
              const outcome = await this.processChunk(topic, partition, [item], handlers, payload);
              if (outcome === 'aborted') return 'aborted';
            }
            return 'done';
          }
          const reason = permanent
            ? `rejected by handler: ${message(error)}`
            : `handler failed ${attempt} times: ${message(error)}`;
          await this.deadLetter(topic, partition, chunk[0].message, reason);
          return 'done';
        }
        messagingMetrics.handlerRetries.inc({ service: this.options.serviceName, topic });
        const delay = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** (attempt - 1));
        this.logger.warn({
          msg: 'handler failed; retrying',
          topic,
          partition,
          offset: chunk[0].message.offset,
          events: chunk.length,
          attempt,
          delayMs: delay,
          error: message(error),
        });
        if (!(await this.backoff(delay, payload))) return 'aborted';
        continue;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { service: this.options.serviceName, topic };
      messagingMetrics.handleDuration.observe(labels, seconds);
      messagingMetrics.handled.inc({ ...labels, outcome: 'handled' }, fresh);
      if (chunk.length > fresh)
        messagingMetrics.handled.inc({ ...labels, outcome: 'duplicate' }, chunk.length - fresh);
      // Outside the try: a failure here is not the handler's, and must abort the batch without
      // resolving its offset (the test hook for "killed before the offset commit" relies on it).
      await this.options.onHandled?.({
        topic,
        partition,
        offsets: chunk.map((c) => c.message.offset),
      });
      return 'done';
    }
  }

  /** Inbox + handlers in one transaction; returns how many events were new. */
  private async handleInTransaction(
    topic: string,
    partition: number,
    chunk: Item[],
    handlers: RegisteredHandler[],
  ): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      // A batch may hold the same event twice (a republished outbox row): first copy wins.
      const firsts = new Map<string, Item>();
      for (const item of chunk)
        if (!firsts.has(item.envelope.eventId)) firsts.set(item.envelope.eventId, item);
      const items = [...firsts.values()];
      if (handlers.every((h) => h.inbox === false)) {
        const envelopes = items.map((i) => i.envelope);
        for (const handler of handlers) {
          if (handler.batch) await handler.handle(envelopes, manager);
          else for (const envelope of envelopes) await handler.handle(envelope, manager);
        }
        return envelopes.length;
      }
      const rows: Array<{ event_id: string }> = await manager.query(
        `INSERT INTO inbox_events (consumer_group, event_id, topic, "partition", "offset")
         SELECT $1, u.event_id, $2, $3, u.off FROM unnest($4::uuid[], $5::bigint[]) AS u(event_id, off)
         ON CONFLICT (consumer_group, event_id) DO NOTHING
         RETURNING event_id`,
        [
          this.groupId,
          topic,
          partition,
          items.map((i) => i.envelope.eventId),
          items.map((i) => i.message.offset),
        ],
      );
      const inserted = new Set(rows.map((r) => r.event_id.toLowerCase()));
      const fresh = items
        .filter((i) => inserted.has(i.envelope.eventId.toLowerCase()))
        .map((i) => i.envelope);
      if (fresh.length === 0) return 0;
      for (const handler of handlers) {
        if (handler.batch) await handler.handle(fresh, manager);
        else for (const envelope of fresh) await handler.handle(envelope, manager);
      }
      return fresh.length;
    });
  }

  private async deadLetter(
    topic: string,
    partition: number,
    msg: KafkaMessage,
    reason: string,
  ): Promise<void> {
    await this.publisher.sendBatch([
      {
        topic: DEAD_LETTER_TOPIC,
        messages: [
          deadLetterMessage({
            topic,
            partition,
            message: msg,
            consumerGroup: this.groupId,
            reason,
          }),
        ],
      },
    ]);
    const short = reason.startsWith('invalid event')
      ? 'invalid'
      : reason.startsWith('rejected')
        ? 'rejected'
        : 'handler-failed';
    messagingMetrics.deadLettered.inc({ service: this.options.serviceName, topic, reason: short });
    messagingMetrics.handled.inc({
      service: this.options.serviceName,
      topic,
      outcome: 'dead-lettered',
    });
    this.logger.warn({
      msg: 'message dead-lettered',
      topic,
      partition,
      offset: msg.offset,
      reason,
    });
  }

  /** Waits `ms`, heartbeating; false when the consumer is stopping or lost the partition. */
  private async backoff(ms: number, payload: EachBatchPayload): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!payload.isRunning() || payload.isStale()) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, until - Date.now())));
      await payload.heartbeat();
    }
    return payload.isRunning() && !payload.isStale();
  }

  private async ensureTopics(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = [...this.topics, DEAD_LETTER_TOPIC].filter((t) => !existing.has(t));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: this.options.defaultPartitions ?? 3,
          })),
        });
      }
    } catch (error) {
      // Auto-creation on subscribe is the fallback; a real cluster may forbid topic creation.
      this.logger.warn({ msg: 'could not create topics', error: message(error) });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Deletes this group's inbox rows older than the retention, in slices; returns the count. */
  async purgeInbox(): Promise<number> {
    const retention = this.options.inboxRetentionMs ?? 14 * 24 * 3600 * 1000;
    if (retention <= 0) return 0;
    let total = 0;
    for (;;) {
      // Slices keep each transaction (and its locks and WAL burst) small on a busy inbox.
      // A SELECT around the DELETE: TypeORM returns [rows, count] for a bare DELETE.
      const rows: Array<{ n: number }> = await this.dataSource.query(
        `WITH deleted AS (
           DELETE FROM inbox_events WHERE consumer_group = $1 AND event_id = ANY(ARRAY(
             SELECT event_id FROM inbox_events
              WHERE consumer_group = $1 AND handled_at < now() - ($2::bigint * interval '1 millisecond')
              LIMIT 10000))
           RETURNING 1)
         SELECT count(*)::int AS n FROM deleted`,
        [this.groupId, retention],
      );
      const deleted = rows[0]?.n ?? 0;
      total += deleted;
      if (deleted < 10000) return total;
    }
  }

  private startInboxPurge(): void {
    const period = this.options.inboxPurgeIntervalMs ?? 10 * 60 * 1000;
    if (period <= 0) return;
    this.purgeTimer = setInterval(() => {
      this.purgeInbox()
        .then(
          (n) =>
            n > 0 && this.logger.log({ msg: 'purged inbox rows', group: this.groupId, rows: n }),
        )
        .catch((error: unknown) =>
          this.logger.warn({ msg: 'inbox purge failed', error: message(error) }),
        );
    }, period);
    this.purgeTimer.unref();
  }

  private startLagRefresh(): void {
    const period = this.options.lagRefreshMs ?? 15_000;
    if (period <= 0) return;
    const refresh = async (): Promise<void> => {
      if (!this.consumer) return;
      try {
        if (!this.admin) {
          this.admin = this.kafka.admin();
          await this.admin.connect();
        }
        const admin = this.admin;
        const committed = await admin.fetchOffsets({ groupId: this.groupId, topics: this.topics });
        for (const { topic, partitions } of committed) {
          const ends = await admin.fetchTopicOffsets(topic);
          for (const end of ends) {
            const labels = { group: this.groupId, topic, partition: String(end.partition) };
            if (!(this.assignment[topic] ?? []).includes(end.partition)) {
              messagingMetrics.consumerLag.remove(labels);
              continue;
            }
            const mine = partitions.find((p) => p.partition === end.partition);
            const at = mine && mine.offset !== '-1' ? BigInt(mine.offset) : BigInt(end.low);
            const lag = BigInt(end.high) - at;
            messagingMetrics.consumerLag.set(labels, Number(lag < 0n ? 0n : lag));
          }
        }
      } catch (error) {
        this.logger.debug({ msg: 'consumer lag refresh failed', error: message(error) });
      }
    };
    this.lagTimer = setInterval(() => void refresh(), period);
    this.lagTimer.unref();
    void refresh();
  }
}

// Connection-level failures of PostgreSQL (and of the pool) plus deadlock / serialization
// failures: transient, and never the event's fault.
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  '57P01',
  '57P02',
  '57P03',
  '40001',
  '40P01',
]);

export function isTransientInfrastructureError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof NonRetryableError) return false;
  const withCodes = error as Error & { code?: unknown; driverError?: { code?: unknown } };
  const code = withCodes.code ?? withCodes.driverError?.code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}

/**
 * One message's decoding; a decoder that throws makes that message a poison message (dead-lettered
 * with the reason) instead of failing the whole batch again and again.
 */
function decodeSafely(
  decode: ((value: Buffer | null) => ParseEventResult<unknown>) | undefined,
  schemaTopic: string,
  value: Buffer | null,
): ParseEventResult<unknown> {
  try {
    return decode ? decode(value) : parseEventSync(schemaTopic, value);
  } catch (error) {
    return { ok: false, reason: `could not be decoded (${message(error)})` };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
