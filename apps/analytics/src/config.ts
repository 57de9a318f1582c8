import { BaseServiceConfig, EnvList, EnvNumber } from '@dmp/platform';
import { ArrayNotEmpty, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

export class AnalyticsConfig extends BaseServiceConfig {
  static override serviceName = 'analytics';

  /**
   * CPAM offices with their covered population (CSV, see docs/readme/analytics.md); unset means
   * the shipped sample, the nine pilot CPAM of 2016-2018.
   */
  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'must be a file path' })
  ANALYTICS_CPAM_REFERENCE_FILE?: string;

  /**
   * Partitions one instance handles at the same time: while one batch waits on PostgreSQL,
   * others are validated or written. Eleven topics of three partitions are consumed.
   */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (partitions)' })
  @Min(1, { message: 'must be at least 1' })
  @Max(64, { message: 'must be at most 64' })
  ANALYTICS_CONSUMER_CONCURRENCY = 4;

  /** An instance is down once its last heartbeat is older than this many HEARTBEAT_INTERVAL_MS. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (heartbeat intervals)' })
  @Min(2, { message: 'must be at least 2 (one late heartbeat is not an outage)' })
  @Max(100, { message: 'must be at most 100' })
  ANALYTICS_OPS_DOWN_AFTER_HEARTBEATS = 3;

  /** How often one analytics instance measures the consumer lag of every group; 0 turns it off. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(0, { message: 'must be 0 (off) or more' })
  ANALYTICS_OPS_LAG_POLL_MS = 10_000;

  /** Instances silent for longer than this leave the dashboard (scaled-down or replaced ones). */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(1_000, { message: 'must be at least 1000' })
  ANALYTICS_OPS_FORGET_AFTER_MS = 600_000;

  /** The services the dashboard always lists: one never heard of shows as down. */
  @EnvList()
  @Matches(/^[a-z][a-z0-9-]*$/, { each: true, message: 'must be a comma-separated list of service names' })
  @ArrayNotEmpty({ message: 'must list at least one service' })
  ANALYTICS_OPS_SERVICES: string[] = ['enrolment', 'documents', 'reimbursements', 'consent', 'analytics'];
}
