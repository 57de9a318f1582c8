import { BaseServiceConfig, EnvNumber } from '@dmp/platform';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';

export class ReimbursementsConfig extends BaseServiceConfig {
  static override serviceName = 'reimbursements';

  /** Watched folder: the insurer drops `<file>` then `<file>.sha256`; the sidecar marks the file complete. */
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  REIMBURSEMENTS_DROP_DIR = '.data/reimbursements/drop';

  /** Where HTTP uploads are spooled before their import. */
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  REIMBURSEMENTS_SPOOL_DIR = '.data/reimbursements/spool';

  /** How often the drop folder and the import queue are looked at. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(50, { message: 'must be between 50 and 600000' })
  @Max(600_000, { message: 'must be between 50 and 600000' })
  REIMBURSEMENTS_POLL_MS = 1000;

  /** Lines per import transaction (one checkpoint each). */
  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 1000000' })
  @Max(1_000_000, { message: 'must be between 1 and 1000000' })
  REIMBURSEMENTS_BATCH_LINES = 50_000;

  /** Batches loaded in parallel per file (one connection each). */
  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 8' })
  @Max(8, { message: 'must be between 1 and 8' })
  REIMBURSEMENTS_IMPORT_CONNECTIONS = 2;

  /** How often the purge drops the months that left the 24-month window (and prepares the next month). */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(1000, { message: 'must be at least 1000' })
  REIMBURSEMENTS_PURGE_INTERVAL_MS = 3_600_000;

  /**
   * Connections for history reads and their access events (HistoryService): reads run on them
   * as prepared statements, traces are group-committed on them.
   */
  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(2, { message: 'must be between 2 and 64' })
  @Max(64, { message: 'must be between 2 and 64' })
  REIMBURSEMENTS_READ_CONNECTIONS = 6;

  /**
   * History statements in flight at once (HistoryBatchReader's lanes). With one, concurrent
   * readers move in lockstep (statement, trace, answers, next statement) and the cores wait on
   * each other; with several, one group's trace and answers overlap another's statement. At
   * most REIMBURSEMENTS_READ_CONNECTIONS - 1, so a connection is left for the other queries.
   */
  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 32' })
  @Max(32, { message: 'must be between 1 and 32' })
  REIMBURSEMENTS_HISTORY_STATEMENTS = 4;
}
