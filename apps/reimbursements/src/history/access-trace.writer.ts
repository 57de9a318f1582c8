import { Pool } from 'pg';
import { EventEnvelope } from '@dmp/contracts';
import { BUNDLE_MAX_MESSAGES, bundleLine, topicOf } from '@dmp/messaging';

interface Pending {
  envelope: EventEnvelope<unknown>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

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
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly pool: Pool) {}

  /** Resolves once the event is committed and flushed to the WAL. */
  write(envelope: EventEnvelope<unknown>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ envelope, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  /** Waits for the traces already queued (shutdown). */
  async settle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
        this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
        try {
          // Every trace is an access event: one topic, so one bundle.
          await this.pool.query({
            name: 'reimbursements-access-traces',
            text: `INSERT INTO outbox_events (topic, key, headers, payload, messages, message_count)
                   VALUES ($1, NULL, '{}', NULL, $2, $3)`,
            values: [
              topicOf(batch[0].envelope),
              batch.map((p) => bundleLine(p.envelope)).join('\n'),
              batch.length,
            ],
          });
          for (const p of batch) p.resolve();
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.flushing = null;
    }
  }
}
