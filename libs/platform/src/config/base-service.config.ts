import { hostname } from 'node:os';
import {
  ArrayNotEmpty,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { EnvBoolean, EnvList, EnvNumber } from './env-transforms';

/** Well-known services and their default ports (docs/ARCHITECTURE.md). */
export const SERVICE_PORTS: Readonly<Record<string, number>> = {
  enrolment: 3001,
  documents: 3002,
  reimbursements: 3003,
  consent: 3004,
  analytics: 3005,
};

/**
 * Only for development and tests: production must set AUTH_TOKEN_SECRET (loadConfig refuses to
 * start with NODE_ENV=production without it). Tools issuing development tokens use this value.
 */
export const DEV_AUTH_TOKEN_SECRET = 'dmp-development-secret-do-not-use-in-production';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type ServiceLogLevel = (typeof LOG_LEVELS)[number];

const HOST_PORT = /^[A-Za-z0-9._-]+:\d{1,5}$/;

/**
 * The variables every service reads (docs/readme/configuration.md). A service's config extends
 * it, declares its `static serviceName`, and adds its own variables prefixed with the service
 * name. Defaults are those of `npm start` (embedded PostgreSQL on 54320, broker on 19092).
 */
export class BaseServiceConfig {
  /** The service these settings are for (`enrolment`...): drives the per-service defaults. */
  static serviceName?: string;

  // Type checks sit next to the property: they register first, and only the first failure of
  // a variable is reported (no "must be between" for a value that is not even a number).
  @EnvNumber()
  @Min(0, { message: 'must be between 0 and 65535' })
  @Max(65535, { message: 'must be between 0 and 65535' })
  @IsInt({ message: 'must be an integer' })
  PORT!: number;

  /**
   * The HTTP engine under NestJS: fastify (default, a fraction of Express' CPU per request) or
   * express (for a comparison or a regression hunt; every route works on both).
   */
  @IsIn(['fastify', 'express'], { message: 'must be fastify or express' })
  HTTP_ADAPTER: 'fastify' | 'express' = 'fastify';

  /** Interface the HTTP server binds; 0.0.0.0 in containers. */
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  HTTP_HOST = '127.0.0.1';

  @IsString()
  @Matches(/^postgres(ql)?:\/\/[^/]+\/[^/?]+/, { message: 'must be a postgres://user:password@host:port/database URL' })
  DATABASE_URL!: string;

  @EnvList()
  @Matches(HOST_PORT, { each: true, message: 'must be a comma-separated list of host:port' })
  @ArrayNotEmpty({ message: 'must list at least one host:port' })
  KAFKA_BROKERS: string[] = ['127.0.0.1:19092'];

  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  KAFKA_CLIENT_ID!: string;

  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(200, { message: 'must be at most 200 characters' })
  INSTANCE_ID = `${hostname()}-${process.pid}`;

  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  AUTH_TOKEN_SECRET!: string;

  @EnvBoolean()
  @IsBoolean({ message: 'must be true or false' })
  AUTH_DEV_ISSUER!: boolean;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: ServiceLogLevel = 'info';

  @EnvNumber()
  @ValidateIf((config: BaseServiceConfig) => config.HEARTBEAT_INTERVAL_MS !== 0)
  @Min(100, { message: 'must be 0 (off) or at least 100' })
  @IsInt({ message: 'must be an integer (milliseconds)' })
  HEARTBEAT_INTERVAL_MS = 5000;

  /**
   * How long the broker waits for a silent consumer before giving its partitions to the rest of
   * the group. A killed instance holds its partitions that long; lower it where instances are
   * restarted fast (the chaos run), keep 30 s where pauses (GC, a loaded host) must not rebalance.
   */
  @EnvNumber()
  @Min(3000, { message: 'must be between 3000 and 300000' })
  @Max(300_000, { message: 'must be between 3000 and 300000' })
  @IsInt({ message: 'must be an integer (milliseconds)' })
  KAFKA_SESSION_TIMEOUT_MS = 30_000;

  /** `production` turns off the development defaults (token secret, dev issuer). */
  @IsIn(['development', 'test', 'production'], { message: 'must be development, test or production' })
  NODE_ENV: 'development' | 'test' | 'production' = 'development';
}
