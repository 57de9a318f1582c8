import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { KAFKA_CLIENT } from '@dmp/messaging';
import { AnalyticsConfig } from '../config';
import { OpsEventsConsumer } from './ops-events.consumer';
import { partitionLag } from './ops-status';

// pg advisory lock key of the lag poll ("dmplag" in ASCII): one analytics instance at a time.
const LAG_POLL_LOCK = 0x646d706c6167;

export interface MeasuredLag {
  groupId: string;
  topic: string;
  partition: number;
  committedOffset: string | null;
  endOffset: string;
  lag: number;
}

/**
 * Measures every consumer group's lag (committed offset against the partition's end offset) with
 * the Kafka admin API and stores it in ops_consumer_lag, so that every analytics instance serves
 * the same figures. Each instance ticks; the one that takes the advisory lock, and finds the
 * figures older than half a period, measures (the others skip): one poll per period for the
 * whole deployment, and another instance takes over when the poller dies.
 */
@Injectable()
export class ConsumerLagPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsumerLagPoller.name);
  private timer: NodeJS.Timeout | null = null;
  private admin: Admin | null = null;
  private polling = false;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly config: AnalyticsConfig,
    private readonly opsEvents: OpsEventsConsumer,
  ) {}

  onApplicationBootstrap(): void {
    const period = this.config.ANALYTICS_OPS_LAG_POLL_MS;
    if (period <= 0) return;
    this.timer = setInterval(() => void this.tick(), period);
    this.timer.unref();
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.pollIfDue();
      await this.opsEvents.forgetSilentInstances();
    } catch (error) {
      this.logger.debug({ msg: 'consumer lag poll failed', reason: error instanceof Error ? error.message : String(error) });
    } finally {
      this.polling = false;
    }
  }

  /** Measures and stores the lag unless another instance holds the lock or measured recently. */
  async pollIfDue(minAgeMs = this.config.ANALYTICS_OPS_LAG_POLL_MS / 2): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [lock]: Array<{ ok: boolean }> = await manager.query('SELECT pg_try_advisory_xact_lock($1::bigint) AS ok', [LAG_POLL_LOCK]);
      if (!lock?.ok) return false;
      const [fresh]: Array<{ fresh: boolean }> = await manager.query(
        `SELECT coalesce(max(measured_at) > now() - ($1::bigint * interval '1 millisecond'), false) AS fresh FROM ops_consumer_lag`,
        [Math.max(0, Math.round(minAgeMs))],
      );
      if (fresh?.fresh) return false;
      const lag = await this.measure();
      // Groups and partitions that disappeared go; the rest is replaced by this measurement.
      await manager.query('DELETE FROM ops_consumer_lag');
      if (lag.length > 0) {
        await manager.query(
          `INSERT INTO ops_consumer_lag (group_id, topic, partition, committed_offset, end_offset, lag, measured_at)
           SELECT g, t, p, c, e, l, now() FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::bigint[], $6::bigint[]) AS x(g, t, p, c, e, l)`,
          [
            lag.map((l) => l.groupId),
            lag.map((l) => l.topic),
            lag.map((l) => l.partition),
            lag.map((l) => l.committedOffset),
            lag.map((l) => l.endOffset),
            lag.map((l) => l.lag),
          ],
        );
      }
      return true;
    });
  }

  /** Lag of every partition every consumer group committed offsets for. */
  async measure(): Promise<MeasuredLag[]> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const admin = this.admin;
    try {
      const { groups } = await admin.listGroups();
      // OffsetFetch for "all topics" (null) is not reachable through kafkajs: ask for every
      // topic and keep those where the group committed at least once.
      const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
      const ends = new Map<string, Array<{ partition: number; low: string; high: string }>>();
      const out: MeasuredLag[] = [];
      const consumerGroups = groups.filter((g) => g.protocolType === 'consumer' || g.protocolType === '').sort((a, b) => a.groupId.localeCompare(b.groupId));
      for (const { groupId } of topics.length > 0 ? consumerGroups : []) {
        const committed = (await admin.fetchOffsets({ groupId, topics })).filter((t) => t.partitions.some((p) => p.offset !== '-1'));
        for (const { topic, partitions } of committed) {
          if (!ends.has(topic)) ends.set(topic, await admin.fetchTopicOffsets(topic));
          for (const end of ends.get(topic) ?? []) {
            const mine = partitions.find((p) => p.partition === end.partition);
            const offset = mine && mine.offset !== '-1' ? mine.offset : null;
            out.push({ groupId, topic, partition: end.partition, committedOffset: offset, endOffset: end.high, lag: partitionLag(offset, end.low, end.high) });
          }
        }
      }
      return out;
    } catch (error) {
      // A broken admin connection is rebuilt on the next poll.
      this.admin = null;
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
  }
}
