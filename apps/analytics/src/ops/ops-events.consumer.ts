import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Batch, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { HeartbeatPayload, parseEventSync, Topics } from '@dmp/contracts';
import { DLQ_HEADERS, headerText, KAFKA_CLIENT } from '@dmp/messaging';
import { AnalyticsConfig } from '../config';
import { reasonCategory } from './ops-status';

/** Not the service's group: these two topics are read without the inbox (see OpsEventsConsumer). */
export const OPS_CONSUMER_GROUP = 'dmp-analytics-ops';

// Until a restart loop succeeds, how long to wait between attempts to join.
const RETRY_MS = 5_000;

/**
 * Reads the heartbeat and dead-letter topics into the ops tables. Its own consumer group, not
 * the service's @HandleEvent consumer, for two reasons: a dead letter is not an event (its value
 * may be anything: that is why it was dead-lettered), and heartbeats would fill the inbox with
 * tens of thousands of rows a day. Exactness comes instead from ops_consumer_offsets: the next
 * offset of each partition is written in the transaction that applies the messages, and a
 * message below it (redelivered after a rebalance or a crash) is skipped. Heartbeats start at
 * the end of the topic (old ones are history); dead letters from the beginning (every one counts).
 */
@Injectable()
export class OpsEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OpsEventsConsumer.name);
  private consumer: Consumer | null = null;
  private stopping = false;
  private retry: NodeJS.Timeout | null = null;
  private joined = false;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly config: AnalyticsConfig,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: joining a group takes seconds and must not delay the HTTP server.
    void this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.retry) clearTimeout(this.retry);
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.disconnect().catch(() => undefined);
  }

  /** True once the consumer joined its group and was given partitions (tests wait on it). */
  get isJoined(): boolean {
    return this.joined;
  }

  private async start(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.ensureTopics();
      const consumer = this.kafka.consumer({ groupId: OPS_CONSUMER_GROUP, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
      this.consumer = consumer;
      consumer.on(consumer.events.GROUP_JOIN, () => (this.joined = true));
      consumer.on(consumer.events.CRASH, (event) => {
        this.joined = false;
        // kafkajs restarts by itself on retriable errors; otherwise start afresh.
        if (!event.payload.restart && !this.stopping) this.scheduleRestart(event.payload.error);
      });
      await consumer.connect();
      await consumer.subscribe({ topic: Topics.HEARTBEAT, fromBeginning: false });
      await consumer.subscribe({ topic: Topics.DEAD_LETTER, fromBeginning: true });
      await consumer.run({ eachBatchAutoResolve: true, eachBatch: async ({ batch }) => this.apply(batch) });
    } catch (error) {
      this.scheduleRestart(error);
    }
  }

  private scheduleRestart(error: unknown): void {
    if (this.stopping) return;
    this.logger.warn({ msg: 'ops consumer failed, restarting', reason: error instanceof Error ? error.message : String(error) });
    const consumer = this.consumer;
    this.consumer = null;
    void consumer?.disconnect().catch(() => undefined);
    this.retry = setTimeout(() => void this.start(), RETRY_MS);
    this.retry.unref();
  }

  private async ensureTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [Topics.HEARTBEAT, Topics.DEAD_LETTER].filter((t) => !existing.has(t));
      if (missing.length > 0) await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: 3 })) }).catch(() => undefined);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Applies one fetched batch of one partition, at most once per message. */
  async apply(batch: Pick<Batch, 'topic' | 'partition' | 'messages'>): Promise<void> {
    if (batch.messages.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO ops_consumer_offsets (topic, partition, next_offset) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING`,
        [batch.topic, batch.partition],
      );
      // The row lock orders two instances that both hold the partition during a rebalance.
      const [row]: Array<{ next_offset: string }> = await manager.query(
        `SELECT next_offset FROM ops_consumer_offsets WHERE topic = $1 AND partition = $2 FOR UPDATE`,
        [batch.topic, batch.partition],
      );
      const next = BigInt(row?.next_offset ?? '0');
      const fresh = batch.messages.filter((m) => BigInt(m.offset) >= next);
      if (fresh.length === 0) return;
      if (batch.topic === Topics.DEAD_LETTER) await this.countDeadLetters(manager, fresh);
      else await this.recordHeartbeats(manager, fresh);
      const last = fresh.reduce((max, m) => (BigInt(m.offset) > max ? BigInt(m.offset) : max), next);
      await manager.query(`UPDATE ops_consumer_offsets SET next_offset = $3 WHERE topic = $1 AND partition = $2`, [
        batch.topic,
        batch.partition,
        (last + 1n).toString(),
      ]);
    });
  }

  private async recordHeartbeats(manager: EntityManager, messages: KafkaMessage[]): Promise<void> {
    const beats: Array<{ at: string; payload: HeartbeatPayload }> = [];
    for (const message of messages) {
      const parsed = parseEventSync(Topics.HEARTBEAT, message.value?.toString('utf8') ?? '');
      if (!parsed.ok) {
        this.logger.warn({ msg: 'heartbeat ignored', offset: message.offset, reason: parsed.reason });
        continue;
      }
      beats.push({ at: parsed.envelope.occurredAt, payload: parsed.envelope.payload as HeartbeatPayload });
    }
    beats.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    for (const { at, payload: p } of beats) {
      // Newer than the row only: a late or replayed heartbeat never turns the clock back. The
      // counters of the row become the "previous" ones unless the instance restarted since.
      await manager.query(
        `INSERT INTO ops_instances (service, instance, version, started_at, ready, uptime_seconds, last_heartbeat_at,
                                    http_requests, http_4xx, http_5xx, events_handled, events_failed, outbox_backlog, imports)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb)
         ON CONFLICT (service, instance) DO UPDATE SET
           version = EXCLUDED.version, started_at = EXCLUDED.started_at, ready = EXCLUDED.ready,
           uptime_seconds = EXCLUDED.uptime_seconds, last_heartbeat_at = EXCLUDED.last_heartbeat_at,
           http_requests = EXCLUDED.http_requests, http_4xx = EXCLUDED.http_4xx, http_5xx = EXCLUDED.http_5xx,
           events_handled = EXCLUDED.events_handled, events_failed = EXCLUDED.events_failed,
           outbox_backlog = EXCLUDED.outbox_backlog, imports = EXCLUDED.imports,
           previous_at = CASE WHEN ops_instances.started_at = EXCLUDED.started_at THEN ops_instances.last_heartbeat_at END,
           previous_http_requests = CASE WHEN ops_instances.started_at = EXCLUDED.started_at THEN ops_instances.http_requests END,
           previous_http_4xx = CASE WHEN ops_instances.started_at = EXCLUDED.started_at THEN ops_instances.http_4xx END,
           previous_http_5xx = CASE WHEN ops_instances.started_at = EXCLUDED.started_at THEN ops_instances.http_5xx END,
           previous_events_handled = CASE WHEN ops_instances.started_at = EXCLUDED.started_at THEN ops_instances.events_handled END,
           previous_events_failed = CASE WHEN ops_instances.started_at = EXCLUDED.started_at THEN ops_instances.events_failed END
         WHERE ops_instances.last_heartbeat_at < EXCLUDED.last_heartbeat_at`,
        [
          p.service,
          p.instance,
          p.version,
          p.startedAt,
          p.ready,
          p.uptimeSeconds ?? null,
          at,
          p.httpRequests ?? null,
          p.http4xx ?? null,
          p.http5xx ?? null,
          p.eventsHandled ?? null,
          p.eventsFailed ?? null,
          p.outboxBacklog ?? null,
          JSON.stringify(p.imports ?? []),
        ],
      );
    }
  }

  private async countDeadLetters(manager: EntityManager, messages: KafkaMessage[]): Promise<void> {
    const counts = new Map<string, { sourceTopic: string; reason: string; count: number; lastAt: string }>();
    for (const message of messages) {
      const sourceTopic = headerText(message.headers, DLQ_HEADERS.ORIGINAL_TOPIC) ?? '(unknown)';
      const reason = reasonCategory(headerText(message.headers, DLQ_HEADERS.REASON));
      const at = headerText(message.headers, DLQ_HEADERS.AT);
      const lastAt = at && !Number.isNaN(Date.parse(at)) ? new Date(at).toISOString() : new Date(Number(message.timestamp)).toISOString();
      const key = `${sourceTopic}\u0000${reason}`;
      const entry = counts.get(key) ?? { sourceTopic, reason, count: 0, lastAt };
      entry.count += 1;
      if (lastAt > entry.lastAt) entry.lastAt = lastAt;
      counts.set(key, entry);
    }
    const rows = [...counts.values()].sort((a, b) => (a.sourceTopic + a.reason < b.sourceTopic + b.reason ? -1 : 1));
    await manager.query(
      `INSERT INTO ops_dead_letters (source_topic, reason, count, last_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[])
       ON CONFLICT (source_topic, reason) DO UPDATE SET
         count = ops_dead_letters.count + EXCLUDED.count, last_at = greatest(ops_dead_letters.last_at, EXCLUDED.last_at)`,
      [rows.map((r) => r.sourceTopic), rows.map((r) => r.reason), rows.map((r) => r.count), rows.map((r) => r.lastAt)],
    );
  }

  /** For the forget rule: drops instances silent for longer than ANALYTICS_OPS_FORGET_AFTER_MS. */
  async forgetSilentInstances(): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(
      `WITH gone AS (DELETE FROM ops_instances WHERE last_heartbeat_at < now() - ($1::bigint * interval '1 millisecond') RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [this.config.ANALYTICS_OPS_FORGET_AFTER_MS],
    );
    return rows[0]?.n ?? 0;
  }
}
