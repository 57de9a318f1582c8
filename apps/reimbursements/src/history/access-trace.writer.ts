import { Pool } from 'pg';
import { EventEnvelope } from '@dmp/contracts';
import { eventHeaders, topicOf } from '@dmp/messaging';

interface Pending {
  envelope: EventEnvelope<unknown>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

// A batch is one statement; past this size the next statement takes the rest.
const MAX_BATCH = 500;

/**
 * Writes access events to the outbox with a durable commit, grouped: while one INSERT is
 * waiting for its WAL flush, the traces of the reads that finish meanwhile queue up and go in
 * the next INSERT, one flush for all of them (group commit). A read is answered only once its
 * trace is committed and flushed, so no read that was served can lose its access event, even
 * to a PostgreSQL crash; one reader pays one flush per read, eight readers share it.
 *
 * PLATFORM-GAP: OutboxService.append needs a TypeORM transaction (BEGIN, INSERT, COMMIT: three
 * round trips per read). A trace is a row of its own, changing nothing else, so one autocommit
 * INSERT in the outbox's row format (topic, key, headers from @dmp/messaging's helpers) is the
 * same thing in one round trip; the relay publishes it like any outbox row.
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
          await this.pool.query({
            name: 'reimbursements-access-traces',
            text: `INSERT INTO outbox_events (topic, key, headers, payload)
                   SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[])`,
            values: [
              batch.map((p) => topicOf(p.envelope)),
              batch.map((p) => p.envelope.key),
              batch.map((p) => JSON.stringify(eventHeaders(p.envelope))),
              batch.map((p) => JSON.stringify(p.envelope)),
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
