import { BaseServiceConfig, EnvBoolean, EnvNumber } from '@dmp/platform';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';

export class EnrolmentConfig extends BaseServiceConfig {
  static override serviceName = 'enrolment';

  /** Rows per transaction in mass openings: larger amortises commits, smaller shows progress sooner. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 20000' })
  @Max(20000, { message: 'must be between 1 and 20000' })
  ENROLMENT_BULK_BATCH_SIZE = 2000;

  /** Bulk batches in flight at once (their transactions overlap; 1 = strictly one after the other). */
  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 8' })
  @Max(8, { message: 'must be between 1 and 8' })
  ENROLMENT_BULK_PARALLEL_BATCHES = 2;

  /**
   * PostgreSQL connections per instance. Sized to the cores, not to the clients: single openings
   * share at most four statements in flight (their commits group inside each statement), bulk
   * batches take ENROLMENT_BULK_PARALLEL_BATCHES, reads the rest. More connections than that only
   * adds backends competing for two cores.
   */
  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(2, { message: 'must be between 2 and 200' })
  @Max(200, { message: 'must be between 2 and 200' })
  ENROLMENT_DB_POOL_SIZE = 10;

  /** How often the outbox relay looks for new events (enrolment polls rather than NOTIFY: see the OutboxPolling migration). */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(5, { message: 'must be between 5 and 10000' })
  @Max(10000, { message: 'must be between 5 and 10000' })
  ENROLMENT_OUTBOX_POLL_MS = 20;

  /**
   * How long published outbox rows are kept. 0 (default) deletes them once published: marking a
   * row published rewrites its whole ~1.5 KB envelope, which doubled the write-ahead log of a
   * campaign, and the events themselves live on in Kafka.
   */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(0, { message: 'must be 0 or more' })
  ENROLMENT_OUTBOX_RETENTION_MS = 0;

  /** Outbox rows the relay publishes per round: campaigns append thousands of events at a time. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 10000' })
  @Max(10000, { message: 'must be between 1 and 10000' })
  ENROLMENT_OUTBOX_BATCH_SIZE = 2000;

  /**
   * Run the outbox relay in a worker thread (@dmp/messaging's `relay.worker`): reading the outbox,
   * splitting bundles and encoding Produce requests then cost the main thread, which serves the
   * openings, nothing. Same relay, same guarantees; false runs it on the main thread.
   */
  @EnvBoolean()
  @IsBoolean({ message: 'must be true or false' })
  ENROLMENT_OUTBOX_RELAY_WORKER = true;
}
