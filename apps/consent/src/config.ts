import { BaseServiceConfig, EnvBoolean, EnvNumber } from '@dmp/platform';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

export class ConsentConfig extends BaseServiceConfig {
  static override serviceName = 'consent';

  /**
   * A replacement profession x document-type matrix (JSON file, see docs/readme/consent.md);
   * unset means the shipped default. Consent uses it for the emergency window durations; the
   * services that decide (documents, reimbursements) must load the same file.
   */
  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'must be a file path' })
  CONSENT_ACCESS_MATRIX_FILE?: string;

  /** How often the sender worker looks for due notifications when nothing woke it. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(10, { message: 'must be between 10 and 60000' })
  @Max(60_000, { message: 'must be between 10 and 60000' })
  CONSENT_NOTIFICATION_POLL_MS = 250;

  /** Notifications claimed per round by one worker. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 1000' })
  @Max(1000, { message: 'must be between 1 and 1000' })
  CONSENT_NOTIFICATION_BATCH = 100;

  /**
   * How long a claimed notification stays invisible to other workers. If the claiming process
   * dies, the notification is picked up again after this: never lost.
   */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(100, { message: 'must be between 100 and 3600000' })
  @Max(3_600_000, { message: 'must be between 100 and 3600000' })
  CONSENT_NOTIFICATION_LEASE_MS = 30_000;

  /** Attempts before a notification is marked failed (it can be retried through the API). */
  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 50' })
  @Max(50, { message: 'must be between 1 and 50' })
  CONSENT_NOTIFICATION_MAX_ATTEMPTS = 8;

  /** First retry delay; doubled at each failure up to CONSENT_NOTIFICATION_BACKOFF_MAX_MS. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(1, { message: 'must be between 1 and 3600000' })
  @Max(3_600_000, { message: 'must be between 1 and 3600000' })
  CONSENT_NOTIFICATION_BACKOFF_MS = 1_000;

  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(1, { message: 'must be between 1 and 86400000' })
  @Max(86_400_000, { message: 'must be between 1 and 86400000' })
  CONSENT_NOTIFICATION_BACKOFF_MAX_MS = 300_000;

  /** Runs the sender worker in this instance (an instance may be API-only). */
  @EnvBoolean()
  @IsBoolean({ message: 'must be true or false' })
  CONSENT_NOTIFICATION_WORKER = true;

  /** `local`: the embedded mailbox table (default); `smtp`: e-mails through CONSENT_SMTP_*. */
  @IsIn(['local', 'smtp'], { message: 'must be local or smtp' })
  CONSENT_EMAIL_SENDER: 'local' | 'smtp' = 'local';

  @IsOptional()
  @IsString()
  CONSENT_SMTP_HOST?: string;

  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be between 1 and 65535' })
  @Max(65535, { message: 'must be between 1 and 65535' })
  CONSENT_SMTP_PORT = 25;

  @IsString()
  @MinLength(3, { message: 'must be an e-mail address' })
  CONSENT_SMTP_FROM = 'no-reply@dmp.localhost';

  /** How often the trace purge (ten years after closure) runs; 0 turns it off in this instance. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(0, { message: 'must be 0 (off) or more' })
  CONSENT_TRACE_PURGE_INTERVAL_MS = 86_400_000;

  /** Retention of the access trace after the record closes, in years (legal: ten). */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (years)' })
  @Min(1, { message: 'must be between 1 and 100' })
  @Max(100, { message: 'must be between 1 and 100' })
  CONSENT_TRACE_RETENTION_YEARS = 10;
}
