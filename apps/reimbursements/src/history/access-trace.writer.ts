import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { EventEnvelope } from '@dmp/contracts';
import {
  BUNDLE_MAX_MESSAGES,
  bundleLine,
  eventMessage,
  RelayMessage,
  topicOf,
} from '@dmp/messaging';
import { GroupedCalls } from './grouped-calls';

// A batch is one Produce request (or one outbox row); past this size the next one takes the rest.
const MAX_BATCH = Math.min(500, BUNDLE_MAX_MESSAGES);

/** Where the traces go first: the broker, acknowledging only once the messages are durable. */
export interface TraceProducer {
  send(topicMessages: Array<{ topic: string; messages: RelayMessage[] }>): Promise<void>;
  close(): Promise<void>;
}

export interface AccessTraceWriterOptions {
  /** After a failed send, traces go to the outbox for this long before the broker is tried again. */
  fallbackMs?: number;
  /**
   * Asked before each write: what to wait for first, or null. HistoryService holds the traces
   * queued while history statements are in flight (AnswerHold, a few ms at most): their reads
   * trace as soon as they answer, and go to Kafka in the same produce. Waited for once per write.
   */
  gate?: () => Promise<void> | null;
}

/**
 * Writes access events durably before a read is answered, grouped: while one write is in flight,
 * the traces of the reads that finish meanwhile queue up and go in the next one (group commit).
 * A read is answered only once its trace is durable, so no read that was served can lose its
 * access event; one reader pays one durable write per read, eight readers share it.
 *
 * The traces go straight to Kafka (RelayProducer: acks from all in-sync replicas; the embedded
 * broker syncs its log to disk before it acknowledges): a read changes no state of this service,
 * so there is nothing for an outbox to make atomic with, and the outbox path cost every read a
 * PostgreSQL insert and a WAL flush, then a relay round (its batch read, its mark and their
 * commit, a Produce) on the thread that serves the reads: about as much CPU as the read itself.
 * When the broker does not acknowledge (down, unreachable, too slow), the group falls back to the
 * outbox, as before: one bundle row (@dmp/messaging's format) committed with a durable commit,
 * published by the relay once Kafka is back, so reads keep being served and traced. A send that
 * failed after the broker wrote it is published twice: consumers deduplicate by event id.
 *
 * PLATFORM-GAP: OutboxService.appendBundle needs a TypeORM transaction (BEGIN, INSERT, COMMIT:
 * three round trips per flush). A trace bundle is a row of its own, changing nothing else, so
 * one autocommit INSERT in the bundle row format is the same thing in one round trip.
 */
export class AccessTraceWriter {
  private readonly logger = new Logger(AccessTraceWriter.name);
  private readonly traces: GroupedCalls<EventEnvelope<unknown>, void>;
  private readonly fallbackMs: number;
  private outboxUntil = 0;

  constructor(
    private readonly pool: Pool,
    private readonly producer: TraceProducer | null,
    options: AccessTraceWriterOptions = {},
  ) {
    this.fallbackMs = options.fallbackMs ?? 5_000;
    this.traces = new GroupedCalls((batch) => this.write(batch), MAX_BATCH, options.gate);
  }

  /** Resolves once the event is durable: acknowledged by Kafka, or committed to the outbox. */
  trace(envelope: EventEnvelope<unknown>): Promise<void> {
    return this.traces.call(envelope);
  }

  /** Waits for the traces already queued (shutdown). */
  settle(): Promise<void> {
    return this.traces.settle();
  }

  async close(): Promise<void> {
    await this.settle();
    await this.producer?.close();
  }

  private async write(batch: EventEnvelope<unknown>[]): Promise<void[]> {
    if (this.producer && Date.now() >= this.outboxUntil) {
      try {
        await this.producer.send([
          {
            topic: topicOf(batch[0]),
            messages: batch.map(eventMessage),
          },
        ]);
        return batch.map(() => undefined);
      } catch (error) {
        this.outboxUntil = Date.now() + this.fallbackMs;
        this.logger.warn({
          msg: 'access traces go to the outbox: Kafka did not acknowledge them',
          error: error instanceof Error ? error.message : String(error),
          retryInMs: this.fallbackMs,
        });
      }
    }
    await this.insert(batch);
    return batch.map(() => undefined);
  }

  private async insert(batch: EventEnvelope<unknown>[]): Promise<void> {
    // Every trace is an access event: one topic, so one bundle.
    await this.pool.query({
      name: 'reimbursements-access-traces',
      text: `INSERT INTO outbox_events (topic, key, headers, payload, messages, message_count)
             VALUES ($1, NULL, '{}', NULL, $2, $3)`,
      values: [
        topicOf(batch[0]),
        batch.map((envelope) => bundleLine(envelope)).join('\n'),
        batch.length,
      ],
    });
  }
}
