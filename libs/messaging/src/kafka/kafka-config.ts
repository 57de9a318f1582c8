import { Logger } from '@nestjs/common';
import { KafkaConfig, logCreator, logLevel, LogEntry } from 'kafkajs';
// Every process that reaches Kafka through this library gets the patch (see the file).
import './kafkajs-idle-loop.fix';

/** What @dmp/messaging needs to reach Kafka; `kafkaConfigFromEnv()` builds it from the env. */
export interface MessagingKafkaConfig {
  brokers: string[];
  clientId: string;
}

/** A bad Kafka setting, naming the variable (the boot stops with this message). */
export class KafkaConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = KafkaConfigError.name;
  }
}

const BROKER = /^[A-Za-z0-9._-]+:\d{1,5}$/;

/** Splits and checks a comma-separated bootstrap list (`host:port,host:port`). */
export function parseBrokers(raw: string, variable = 'KAFKA_BROKERS'): string[] {
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (brokers.length === 0)
    throw new KafkaConfigError(variable, 'must list at least one host:port');
  const bad = brokers.find((b) => !BROKER.test(b));
  if (bad !== undefined) throw new KafkaConfigError(variable, `"${bad}" is not host:port`);
  return brokers;
}

/**
 * Reads KAFKA_BROKERS (default 127.0.0.1:19092, the embedded broker of `npm start`) and
 * KAFKA_CLIENT_ID (default `dmp-<serviceName>` when a service name is given, else `dmp`).
 */
export function kafkaConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  serviceName?: string,
): MessagingKafkaConfig {
  const brokers = parseBrokers(env['KAFKA_BROKERS'] ?? '127.0.0.1:19092');
  const clientId =
    (env['KAFKA_CLIENT_ID'] ?? '').trim() || (serviceName ? `dmp-${serviceName}` : 'dmp');
  return { brokers, clientId };
}

const nestLevel: Record<number, 'error' | 'warn' | 'log' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'log',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Routes kafkajs logs to the Nest logger (so they come out as JSON lines through the service's
 * JsonLogger), one structured object per entry. kafkajs INFO is chatty (joins, rebalances):
 * it is logged at debug level except for group membership changes.
 */
export function kafkaLogCreator(context = 'kafkajs'): logCreator {
  const logger = new Logger(context);
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
      let method = nestLevel[level] ?? 'debug';
      if (method === 'log' && !/group|rebalanc/i.test(message)) method = 'debug';
      // Our producer bounds its retries on purpose (a send must fail, not hang, when Kafka is
      // down; the outbox keeps the rows), and kafkajs warns about it at every connect.
      if (message.startsWith('Limiting retries for the idempotent producer')) method = 'debug';
      logger[method]({ msg: `${namespace}: ${message}`, namespace, ...extra });
    };
}

/** kafkajs client options: bootstrap, client id, retry with backoff, logs via Nest. */
export function toKafkaJsConfig(config: MessagingKafkaConfig): KafkaConfig {
  return {
    brokers: config.brokers,
    clientId: config.clientId,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    // Broker restarts and leader moves are retried for about 30 s before an operation fails.
    retry: { initialRetryTime: 300, maxRetryTime: 5000, retries: 8, factor: 0.2, multiplier: 2 },
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(),
  };
}
