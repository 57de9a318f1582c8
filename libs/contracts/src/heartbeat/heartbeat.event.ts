import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsNumber, IsOptional, IsString, Length, Min } from 'class-validator';
import { IsIsoDateTime, NestedObjects } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** One file an instance is importing right now (reimbursements), as of this heartbeat. */
export class HeartbeatImportProgress {
  @IsString()
  @Length(1, 200)
  fileId!: string;

  @IsInt()
  @Min(0)
  linesDone!: number;

  /** Lines the file declares (0 when not known yet). */
  @IsInt()
  @Min(0)
  totalLines!: number;

  @IsNumber()
  @Min(0)
  linesPerSecond!: number;

  @IsOptional()
  @IsNumber()
  @Min(0)
  etaSeconds?: number;
}

/**
 * Every HEARTBEAT_INTERVAL_MS from every instance; the operators' dashboard reads it.
 *
 * Schema version 1 throughout: the fields after `uptimeSeconds` were added later and are all
 * OPTIONAL, so an old consumer ignores them and a new consumer reads an old heartbeat as "not
 * reported". Counters are cumulative since the instance started (`startedAt`): a reader derives
 * rates from two heartbeats of the same instance, and a counter that went down means a restart.
 */
export class HeartbeatPayload {
  @IsString()
  @Length(1, 100)
  service!: string;

  @IsString()
  @Length(1, 200)
  instance!: string;

  @IsString()
  @Length(1, 100)
  version!: string;

  @IsIsoDateTime()
  startedAt!: string;

  @IsBoolean()
  ready!: boolean;

  @IsOptional()
  @IsNumber()
  @Min(0)
  uptimeSeconds?: number;

  /** HTTP requests answered since start (all statuses). */
  @IsOptional()
  @IsInt()
  @Min(0)
  httpRequests?: number;

  /** Of which answered 4xx. */
  @IsOptional()
  @IsInt()
  @Min(0)
  http4xx?: number;

  /** Of which answered 5xx. */
  @IsOptional()
  @IsInt()
  @Min(0)
  http5xx?: number;

  /** Events this instance's consumer handled (duplicates excluded) since start. */
  @IsOptional()
  @IsInt()
  @Min(0)
  eventsHandled?: number;

  /** Events this instance's consumer gave up on (dead-lettered) since start. */
  @IsOptional()
  @IsInt()
  @Min(0)
  eventsFailed?: number;

  /** Outbox rows of the service not yet published (the same for every instance: one database). */
  @IsOptional()
  @IsInt()
  @Min(0)
  outboxBacklog?: number;

  /** Imports running on this instance (reimbursements). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @NestedObjects(() => HeartbeatImportProgress)
  imports?: HeartbeatImportProgress[];
}

/** What a part of a service adds to its heartbeats (everything but the identity fields). */
export type HeartbeatExtraFields = Partial<
  Omit<HeartbeatPayload, 'service' | 'instance' | 'version' | 'startedAt' | 'ready' | 'uptimeSeconds'>
>;

export const HeartbeatEvent = defineEvent(Topics.HEARTBEAT, HeartbeatPayload, (p) => p.service);
