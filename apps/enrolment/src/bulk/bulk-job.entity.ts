import { Column, Entity, PrimaryColumn } from 'typeorm';

export type BulkJobStatus = 'created' | 'running' | 'completed' | 'failed';
export type BulkFormat = 'ndjson' | 'csv';

/**
 * One mass-opening campaign file. Its counters are updated in the same transaction as each batch
 * of openings, so the progress any instance reports is exactly what has been committed.
 */
@Entity({ name: 'bulk_jobs' })
export class BulkJobEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_bulk_jobs' })
  id!: string;

  @Column({ type: 'varchar', length: 10 })
  status!: BulkJobStatus;

  @Column({ type: 'varchar', length: 10 })
  format!: BulkFormat;

  // The submitting actor as it was in the token (JSON), so the rows are opened in its name.
  @Column({ name: 'submitted_by', type: 'jsonb' })
  submittedBy!: Record<string, unknown>;

  @Column({ name: 'file_name', type: 'varchar', length: 255, nullable: true })
  fileName!: string | null;

  // Announced by the client when it knows it (line count), to turn progress into a percentage.
  @Column({ name: 'expected_rows', type: 'integer', nullable: true })
  expectedRows!: number | null;

  @Column({ name: 'rows_processed', type: 'integer', default: 0 })
  rowsProcessed!: number;

  @Column({ type: 'integer', default: 0 })
  opened!: number;

  @Column({ name: 'already_opened', type: 'integer', default: 0 })
  alreadyOpened!: number;

  @Column({ type: 'integer', default: 0 })
  conflicts!: number;

  @Column({ type: 'integer', default: 0 })
  rejected!: number;

  @Column({ type: 'text', nullable: true })
  failure!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/**
 * The per-row results of one batch, as NDJSON lines in file order. One row per batch rather than
 * per line keeps the result file from doubling the insert cost of a 100,000-row campaign.
 */
@Entity({ name: 'bulk_job_results' })
export class BulkJobResultEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid', primaryKeyConstraintName: 'PK_bulk_job_results' })
  jobId!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'PK_bulk_job_results' })
  seq!: number;

  @Column({ name: 'first_line', type: 'integer' })
  firstLine!: number;

  @Column({ type: 'text' })
  lines!: string;
}
