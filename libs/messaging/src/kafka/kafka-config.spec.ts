import { Logger } from '@nestjs/common';
import { logLevel } from 'kafkajs';
import {
  KafkaConfigError,
  kafkaConfigFromEnv,
  kafkaLogCreator,
  parseBrokers,
  toKafkaJsConfig,
} from './kafka-config';

describe(kafkaConfigFromEnv.name, () => {
  it('reads the bootstrap list and the client id from the environment', () => {
    const sut = kafkaConfigFromEnv({
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
      KAFKA_CLIENT_ID: 'dmp-consent',
    });

    expect(sut).toEqual({ brokers: ['kafka-1:9092', 'kafka-2:9092'], clientId: 'dmp-consent' });
  });

  it('defaults to the embedded broker and dmp-<service>', () => {
    expect(kafkaConfigFromEnv({}, 'analytics')).toEqual({
      brokers: ['127.0.0.1:19092'],
      clientId: 'dmp-analytics',
    });
  });

  it('names KAFKA_BROKERS when an entry is not host:port', () => {
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'kafka-1' })).toThrow(KafkaConfigError);
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'kafka-1' })).toThrow(
      'KAFKA_BROKERS: "kafka-1" is not host:port',
    );
  });

  it('refuses an empty bootstrap list', () => {
    expect(() => parseBrokers(' , ')).toThrow('KAFKA_BROKERS: must list at least one host:port');
  });
});

describe(toKafkaJsConfig.name, () => {
  it('retries with backoff and routes logs through a log creator', () => {
    const sut = toKafkaJsConfig({ brokers: ['b:1'], clientId: 'c' });

    expect(sut.retry).toMatchObject({ retries: 8, initialRetryTime: 300 });
    expect(typeof sut.logCreator).toBe('function');
  });
});

describe(kafkaLogCreator.name, () => {
  const lines: Array<{ level: string; message: unknown }> = [];
  const capture = (level: string) => (message: unknown) => void lines.push({ level, message });

  beforeEach(() => {
    lines.length = 0;
    Logger.overrideLogger({
      log: capture('log'),
      error: capture('error'),
      warn: capture('warn'),
      debug: capture('debug'),
      verbose: capture('verbose'),
    });
  });

  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  it('hands kafkajs entries to the Nest logger as structured objects', () => {
    const sut = kafkaLogCreator()(logLevel.ERROR);

    sut({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { message: 'Connection error', timestamp: 't', logger: 'kafkajs', broker: 'b:1' },
    });

    expect(lines).toEqual([
      {
        level: 'error',
        message: { msg: 'Connection: Connection error', namespace: 'Connection', broker: 'b:1' },
      },
    ]);
  });

  it('keeps routine kafkajs info at debug level, group changes at info', () => {
    const sut = kafkaLogCreator()(logLevel.INFO);

    sut({
      namespace: 'Consumer',
      level: logLevel.INFO,
      label: 'INFO',
      log: { message: 'Starting', timestamp: 't', logger: 'kafkajs' },
    });
    sut({
      namespace: 'ConsumerGroup',
      level: logLevel.INFO,
      label: 'INFO',
      log: { message: 'Consumer has joined the group', timestamp: 't', logger: 'kafkajs' },
    });

    expect(lines.map((l) => l.level)).toEqual(['debug', 'log']);
  });
});
