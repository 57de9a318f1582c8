import {
  KafkaConfigError,
  kafkaConfigFromEnv,
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
