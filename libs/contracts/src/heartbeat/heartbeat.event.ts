import { IsBoolean, IsNumber, IsOptional, IsString, Length, Min } from 'class-validator';
import { IsIsoDateTime } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** Every HEARTBEAT_INTERVAL_MS from every instance; the operators' dashboard reads it. */
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
}

export const HeartbeatEvent = defineEvent(Topics.HEARTBEAT, HeartbeatPayload, (p) => p.service);
