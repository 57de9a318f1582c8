import { Pool } from 'pg';
import { EventEnvelope } from '@dmp/contracts';
import { BUNDLE_MAX_MESSAGES, bundleLine, topicOf } from '@dmp/messaging';
import { GroupedCalls } from './grouped-calls';

// A batch is one statement and one outbox row; past this size the next statement takes the rest.
const MAX_BATCH = Math.min(500, BUNDLE_MAX_MESSAGES);

/**
 * Writes access events to the outbox with a durable commit, grouped: while one INSERT is
 * waiting for its WAL flush, the traces of the reads that finish meanwhile queue up and go in
 * the next INSERT, one flush for all of them (group commit). A read is answered only once its
 * trace is committed and flushed, so no read that was served can lose its access event, even
 * to a PostgreSQL crash; one reader pays one flush per read, eight readers share it.
 *
 * The traces of one flush are one outbox bundle row (@dmp/messaging's bundle format: one line
 * per event, bundleLine), which the relay publishes as one Kafka message per event, keyed by
 * each event's INS, exactly like separate rows. A row per trace cost PostgreSQL a tuple, its
 * index entries, a jsonb parse of the envelope and of its headers, the relay's jsonb rendering
 * and a delete, per read.
 *
 * PLATFORM-GAP: OutboxService.appendBundle needs a TypeORM transaction (BEGIN, INSERT, COMMIT:
 * three round trips per flush). A trace bundle is a row of its own, changing nothing else, so
 * one autocommit INSERT in the bundle row format is the same thing in one round trip.
 */
export class AccessTraceWriter {
  private readonly traces = new GroupedCalls<EventEnvelope<unknown>, void>((batch) => this.insert(batch), MAX_BATCH);

  constructor(private readonly pool: Pool) {}

  /** Resolves once the event is committed and flushed to the WAL. */
  write(envelope: EventEnvelope<unknown>): Promise<void> {
    return this.traces.call(envelope);
  }

  /** Waits for the traces already queued (shutdown). */
  settle(): Promise<void> {
    return this.traces.settle();
  }

  private async insert(batch: EventEnvelope<unknown>[]): Promise<void[]> {
    // Every trace is an access event: one topic, so one bundle.
    await this.pool.query({
      name: 'reimbursements-access-traces',
      text: `INSERT INTO outbox_events (topic, key, headers, payload, messages, message_count)
             VALUES ($1, NULL, '{}', NULL, $2, $3)`,
      values: [topicOf(batch[0]), batch.map((envelope) => bundleLine(envelope)).join('\n'), batch.length],
    });
    return batch.map(() => undefined);
  }
}
