import { Logger } from '@nestjs/common';
import { Client, ClientConfig } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { KafkaPublisher } from '../kafka/kafka-publisher';
import { readBundle } from './outbox-bundle';
import { RelayMessage, RelayProducer } from './relay-producer';
import { messagingMetrics } from '../metrics/messaging-metrics';

export interface OutboxRelayOptions {
  /** Names the service in logs and metrics. */
  serviceName: string;
  /** Kafka messages read and published per round trip (a bundle row counts its events); default 500. */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (a lost notification, rows written by hand); default 2000 ms. */
  pollIntervalMs?: number;
  /** How often a standby instance tries to become the relay; default 5000 ms. */
  leaderRetryMs?: number;
  /** Published rows are kept this long for audit, then purged; 0 deletes them at once. Default 7 days. */
  retentionMs?: number;
  /** How often the leader purges; default 60000 ms. */
  purgeIntervalMs?: number;
  /** Pause after a failure (Kafka or PostgreSQL down) before the next attempt; default 1000 ms. */
  errorBackoffMs?: number;
  /**
   * Least time between the starts of two relay rounds; default 0 (a round on every NOTIFY). A
   * service committing small outbox rows at a high rate (one per group of reads) sets it: the
   * rows committed meanwhile go in one round, one batch read, one mark and one Produce for all.
   * The first round after a quiet spell still starts at once.
   */
  minRoundGapMs?: number;
  /** Advisory lock key; one relay per database holds it. Default: a constant of this library. */
  lockKey?: string;
  /**
   * Publish through RelayProducer (the Produce request encoded in one buffer per partition)
   * instead of the KafkaPublisher's kafkajs producer: same guarantees, a fraction of the CPU
   * per message. Needs `brokers` (MessagingModule passes its own). Default false.
   */
  directProduce?: boolean;
  /** Bootstrap brokers and client id for directProduce. */
  brokers?: string[];
  clientId?: string;
  /**
   * Run the relay in a worker thread (MessagingModule then builds a WorkerThreadOutboxRelay): the
   * batch reads, the bundle parsing, the encoding of Produce requests and their sockets leave the
   * service's main thread, which then only serves requests. Same loop, same guarantees (advisory
   * lock on the worker's own connection, order per key, at least once). Needs directProduce.
   * Default false.
   */
  worker?: boolean;
}

/** A relay's database when no TypeORM DataSource is at hand (a worker thread): a pg client configuration. */
export interface RelayDatabase {
  clientConfig: ClientConfig;
}

/** What a relay reports as it runs: metrics by default, messages to the main thread from a worker. */
export interface RelayReporter {
  published(topic: string, count: number): void;
  backlog(events: number): void;
  leader(leader: boolean): void;
  /** Why the last round failed, or null once a round succeeds. */
  failure(error: string | null): void;
}

/** The part of Nest's Logger the relay uses. */
export type RelayLogger = Pick<Logger, 'log' | 'warn' | 'error'>;

export const metricsReporter = (serviceName: string): RelayReporter => ({
  published: (topic, count) => messagingMetrics.outboxPublished.inc({ service: serviceName, topic }, count),
  backlog: (events) => messagingMetrics.outboxBacklog.set({ service: serviceName }, events),
  leader: (leader) => messagingMetrics.relayLeader.set({ service: serviceName }, leader ? 1 : 0),
  failure: () => undefined,
});

/**
 * One Kafka message as the relay reads it: the payload comes back as text, ready to be the
 * message value. The messages of a bundle row share the row's id.
 */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string | null;
  headers: Record<string, string>;
  value: string;
}

// "dmp-outbox-relay" folded into a bigint. Advisory locks are per database, and every service has
// its own database, so one constant serves every service.
const DEFAULT_LOCK_KEY = '7153287749114052402';
const CHANNEL = 'outbox_events';

/**
 * Relays outbox rows to Kafka. One relay per service database is active: it holds a session-level
 * advisory lock on a dedicated connection (standby instances retry every `leaderRetryMs`; if the
 * leader dies its connection closes and PostgreSQL releases the lock). The leader reads
 * unpublished rows in id order, publishes them (key = row key, so per-key order holds), then marks
 * them published. A crash between publish and mark republishes the rows: consumers deduplicate by
 * eventId (the inbox). That is the at-least-once contract.
 */
export class OutboxRelay {
  protected readonly logger: RelayLogger;
  protected readonly reporter: RelayReporter;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly leaderRetryMs: number;
  private readonly retentionMs: number;
  private readonly purgeIntervalMs: number;
  private readonly errorBackoffMs: number;
  private readonly lockKey: string;
  private readonly producer: RelayProducer | null;

  private client: Client | null = null;
  private leader = false;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private pendingWake = false;
  private lastPurge = 0;
  private reconnectAt = 0;
  private lastRoundFailed = false;
  private lastFailure: string | null = null;
  private lastBacklog = 0;
  private readonly minRoundGapMs: number;
  private lastRoundStartedAt = 0;
  private gapWake: (() => void) | null = null;

  constructor(
    private readonly dataSource: DataSource | RelayDatabase,
    private readonly publisher: KafkaPublisher | null,
    protected readonly options: OutboxRelayOptions,
    hooks: { reporter?: RelayReporter; logger?: RelayLogger } = {},
  ) {
    this.logger = hooks.logger ?? new Logger(OutboxRelay.name);
    this.reporter = hooks.reporter ?? metricsReporter(options.serviceName);
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.leaderRetryMs = options.leaderRetryMs ?? 5000;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
    this.purgeIntervalMs = options.purgeIntervalMs ?? 60_000;
    this.errorBackoffMs = options.errorBackoffMs ?? 1000;
    this.minRoundGapMs = options.minRoundGapMs ?? 0;
    this.lockKey = options.lockKey ?? DEFAULT_LOCK_KEY;
    if (options.directProduce && (!options.brokers || options.brokers.length === 0)) {
      throw new Error('OutboxRelay: directProduce needs the brokers');
    }
    if (!options.directProduce && !publisher) throw new Error('OutboxRelay: without directProduce it needs a KafkaPublisher');
    this.producer = options.directProduce
      ? new RelayProducer({ brokers: options.brokers ?? [], clientId: `${options.clientId ?? `dmp-${options.serviceName}`}-relay` })
      : null;
  }

  /** True while this instance holds the relay lock. */
  get isLeader(): boolean {
    return this.leader;
  }

  /** Why the last relay round failed (Kafka or PostgreSQL unreachable), null once a round succeeds. */
  get lastError(): string | null {
    return this.lastFailure;
  }

  get isRunning(): boolean {
    return this.loop !== null;
  }

  /** Starts the relay loop in the background (idempotent). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Wakes the relay now (tests, or a caller that just committed events). */
  poke(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /**
   * Stops the loop after the in-flight batch, publishes what is left (a last flush, when this
   * instance is the leader and Kafka answers), releases the lock and closes the connection.
   */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.wakeUp?.();
    this.gapWake?.();
    await this.loop;
    this.loop = null;
    // No last flush when the last round failed (Kafka down): it would only delay the stop by a
    // full retry cycle; the rows stay for the next leader.
    if (this.leader && this.client && !this.lastRoundFailed) {
      try {
        await this.drain();
      } catch (error) {
        this.logger.warn({
          msg: 'last outbox flush failed; rows stay for the next leader',
          error: errorMessage(error),
        });
      }
    }
    await this.closeConnection();
    await this.producer?.close();
  }

  /** Publishes everything unpublished, batch after batch. Only from the loop or after it (stop). */
  private async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const { messages, ids, more } = await this.readBatch();
      if (messages.length === 0) break;
      await this.publish(messages);
      await this.markPublished(ids);
      total += messages.length;
      // One increment per topic, not per row: a batch holds thousands of rows of one topic.
      const perTopic = new Map<string, number>();
      for (const message of messages) perTopic.set(message.topic, (perTopic.get(message.topic) ?? 0) + 1);
      for (const [topic, count] of perTopic) this.reporter.published(topic, count);
      if (!more) break;
    }
    return total;
  }

  /** Sends rows to Kafka in id order (one request; per topic-partition order is kept). */
  protected async publish(rows: OutboxRow[]): Promise<void> {
    const byTopic = new Map<string, RelayMessage[]>();
    for (const row of rows) {
      const messages = byTopic.get(row.topic) ?? [];
      messages.push({ key: row.key, value: row.value, headers: row.headers });
      byTopic.set(row.topic, messages);
    }
    const batch = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    if (this.producer) await this.producer.send(batch);
    else await (this.publisher as KafkaPublisher).sendBatch(batch);
  }

  /** Marks rows published (or deletes them when no retention is wanted). Overridable for fault injection in tests. */
  protected async markPublished(ids: string[]): Promise<void> {
    const client = this.requireClient();
    // Named (prepared once per connection), like the batch read: a relay round runs on every
    // NOTIFY, and parsing and planning these two statements cost PostgreSQL more than running
    // them (520-590 µs a round unnamed, 200-230 µs named; empty backlog, load 9-12).
    if (this.retentionMs === 0) {
      await client.query({
        name: 'outbox-relay-delete-published',
        text: 'DELETE FROM outbox_events WHERE id = ANY($1::bigint[])',
        values: [ids],
      });
    } else {
      await client.query({
        name: 'outbox-relay-mark-published',
        text: 'UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::bigint[])',
        values: [ids],
      });
    }
  }

  /**
   * The next unpublished rows in id order, about `batchSize` Kafka messages: a bundle row counts
   * its events (a bundle is never split; the batch may overshoot by one bundle). Bundles are
   * expanded into their messages, in order, each carrying its row's id.
   */
  private async readBatch(): Promise<{ messages: OutboxRow[]; ids: string[]; more: boolean }> {
    const client = this.requireClient();
    const result = await client.query<OutboxRow & { messages: string | null; rows_seen: string }>({
      name: 'outbox-relay-read-batch',
      // The ids first, then the payloads of those only: whatever plan the ids get (a freshly
      // filled table has no statistics yet: sequential scan + sort), payload::text is computed
      // for one batch, not for the whole backlog.
      text: `WITH head AS (
         SELECT id, message_count FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT $1
       ), picked AS (
         SELECT id, sum(message_count) OVER (ORDER BY id) - message_count AS before, count(*) OVER () AS rows_seen FROM head
       )
       SELECT o.id, o.topic, o.key, o.headers, o.payload::text AS value, o.messages, p.rows_seen
         FROM outbox_events o JOIN picked p ON p.id = o.id
        WHERE p.before < $1
        ORDER BY o.id`,
      values: [this.batchSize],
    });
    const messages: OutboxRow[] = [];
    const ids: string[] = [];
    for (const row of result.rows) {
      ids.push(row.id);
      if (row.messages === null) {
        messages.push({ id: row.id, topic: row.topic, key: row.key, headers: row.headers, value: row.value });
        continue;
      }
      for (const message of readBundle(row.messages)) {
        messages.push({ id: row.id, topic: row.topic, key: message.key, headers: message.headers, value: message.value });
      }
    }
    const rowsSeen = Number(result.rows[0]?.rows_seen ?? 0);
    return { messages, ids, more: messages.length >= this.batchSize || rowsSeen >= this.batchSize };
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!this.client) {
          // After a lost connection, give a standby the chance to take over before competing again.
          if (Date.now() < this.reconnectAt) {
            await this.sleep(this.reconnectAt - Date.now());
            continue;
          }
          await this.openConnection();
        }
        if (!this.leader) {
          if (!(await this.tryBecomeLeader())) {
            // Only the leader reports the backlog: dashboards sum the gauge over instances.
            this.reporter.backlog(0);
            await this.sleep(this.leaderRetryMs);
            continue;
          }
        }
        this.pendingWake = false;
        await this.waitForRoundGap();
        this.lastRoundStartedAt = Date.now();
        await this.drain();
        this.lastRoundFailed = false;
        if (this.lastFailure !== null) this.reporter.failure(null);
        this.lastFailure = null;
        await this.purgeIfDue();
        await this.refreshBacklog();
        if (!this.pendingWake) await this.sleep(this.pollIntervalMs);
      } catch (error) {
        this.lastRoundFailed = true;
        this.lastFailure = errorMessage(error);
        this.reporter.failure(this.lastFailure);
        if (this.stopping) break;
        this.logger.error({
          msg: 'outbox relay round failed; retrying',
          error: errorMessage(error),
          leader: this.leader,
        });
        if (!this.client) this.setLeader(false);
        // Kafka down is exactly when the backlog gauge must keep moving.
        if (this.leader) await this.refreshBacklog().catch(() => undefined);
        await this.sleep(this.errorBackoffMs);
      }
    }
  }

  private async tryBecomeLeader(): Promise<boolean> {
    const client = this.requireClient();
    const result = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1::bigint) AS locked',
      [this.lockKey],
    );
    if (!result.rows[0]?.locked) return false;
    await client.query(`LISTEN ${CHANNEL}`);
    this.setLeader(true);
    this.logger.log({
      msg: 'this instance is now the outbox relay',
      service: this.options.serviceName,
    });
    return true;
  }

  private setLeader(leader: boolean): void {
    this.leader = leader;
    this.reporter.leader(leader);
  }

  private async openConnection(): Promise<void> {
    const client = new Client('clientConfig' in this.dataSource ? this.dataSource.clientConfig : pgClientConfig(this.dataSource));
    client.on('notification', () => this.poke());
    // A broken connection means the session lock is gone: drop leadership at once.
    const lost = (error?: unknown): void => {
      if (this.client !== client) return;
      this.client = null;
      this.reconnectAt = Date.now() + this.errorBackoffMs;
      if (this.leader) {
        this.logger.warn({
          msg: 'relay connection lost; leadership released',
          error: errorMessage(error),
        });
      }
      this.setLeader(false);
      this.wakeUp?.();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    this.client = client;
  }

  private async closeConnection(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (this.leader) {
      await client
        .query('SELECT pg_advisory_unlock($1::bigint)', [this.lockKey])
        .catch(() => undefined);
    }
    this.setLeader(false);
    await client.end().catch(() => undefined);
  }

  private requireClient(): Client {
    if (!this.client) throw new Error('outbox relay has no database connection');
    return this.client;
  }

  private async purgeIfDue(): Promise<void> {
    if (this.retentionMs === 0 || Date.now() - this.lastPurge < this.purgeIntervalMs) return;
    this.lastPurge = Date.now();
    const result = await this.requireClient().query(
      `DELETE FROM outbox_events WHERE published_at IS NOT NULL AND published_at < now() - ($1::bigint * interval '1 millisecond')`,
      [this.retentionMs],
    );
    if (result.rowCount)
      this.logger.log({ msg: 'purged published outbox rows', rows: result.rowCount });
  }

  // The backlog gauge in events (a bundle counts its events): the partial index keeps it to the backlog; at most once a second.
  private async refreshBacklog(): Promise<void> {
    if (Date.now() - this.lastBacklog < 1000 || !this.client) return;
    this.lastBacklog = Date.now();
    const result = await this.client.query<{ n: string }>(
      'SELECT coalesce(sum(message_count), 0) AS n FROM outbox_events WHERE published_at IS NULL',
    );
    this.reporter.backlog(Number(result.rows[0]?.n ?? 0));
  }

  /** Waits out minRoundGapMs since the last round started; NOTIFYs do not shorten it, stop() does. */
  private waitForRoundGap(): Promise<void> {
    const wait = this.lastRoundStartedAt + this.minRoundGapMs - Date.now();
    if (wait <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.gapWake = null;
        resolve();
      };
      const timer = setTimeout(done, wait);
      this.gapWake = done;
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }
}

/** A pg client configuration equal to the DataSource's (url or discrete fields). */
export function pgClientConfig(dataSource: DataSource): ClientConfig {
  const options = dataSource.options as PostgresConnectionOptions;
  const base: ClientConfig = options.url
    ? { connectionString: options.url }
    : {
        host: options.host,
        port: options.port,
        user: options.username,
        password: typeof options.password === 'string' ? options.password : undefined,
        database: options.database,
      };
  return { ...base, application_name: 'dmp-outbox-relay', keepAlive: true };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
