import { IsInt, Min } from 'class-validator';
import { BaseServiceConfig, ConfigError, configVariables, DEV_AUTH_TOKEN_SECRET, EnvNumber, loadConfig } from '../src';

class EnrolmentLikeConfig extends BaseServiceConfig {
  static override serviceName = 'enrolment';

  @EnvNumber()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  ENROLMENT_MAX_DEPENDANTS = 10;
}

function problemsOf(run: () => unknown): Array<{ variable: string; reason: string }> {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe(loadConfig.name, () => {
  it('fills the embedded defaults of the service from its name', () => {
    const sut = loadConfig(EnrolmentLikeConfig, {});

    expect(sut).toMatchObject({
      PORT: 3001,
      DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:54320/dmp_enrolment',
      KAFKA_BROKERS: ['127.0.0.1:19092'],
      KAFKA_CLIENT_ID: 'dmp-enrolment',
      AUTH_TOKEN_SECRET: DEV_AUTH_TOKEN_SECRET,
      AUTH_DEV_ISSUER: true,
      LOG_LEVEL: 'info',
      HEARTBEAT_INTERVAL_MS: 5000,
      ENROLMENT_MAX_DEPENDANTS: 10,
    });
    expect(sut).toBeInstanceOf(EnrolmentLikeConfig);
  });

  it('converts numbers, booleans and lists from their environment strings', () => {
    const sut = loadConfig(EnrolmentLikeConfig, {
      PORT: '4001',
      AUTH_DEV_ISSUER: 'false',
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      ENROLMENT_MAX_DEPENDANTS: '3',
    });

    expect(sut).toMatchObject({ PORT: 4001, AUTH_DEV_ISSUER: false, KAFKA_BROKERS: ['k1:9092', 'k2:9092'], ENROLMENT_MAX_DEPENDANTS: 3 });
  });

  it('names every bad variable with its reason and the value given', () => {
    const problems = problemsOf(() =>
      loadConfig(EnrolmentLikeConfig, { PORT: 'abc', LOG_LEVEL: 'loud', KAFKA_BROKERS: 'nohostport', ENROLMENT_MAX_DEPENDANTS: '0' }),
    );

    expect(problems).toEqual([
      { variable: 'ENROLMENT_MAX_DEPENDANTS', reason: 'must be at least 1 (got "0")' },
      { variable: 'KAFKA_BROKERS', reason: 'must be a comma-separated list of host:port (got "nohostport")' },
      { variable: 'LOG_LEVEL', reason: 'must be one of debug, info, warn, error (got "loud")' },
      { variable: 'PORT', reason: 'must be an integer (got "abc")' },
    ]);
  });

  it('reads the Kafka consumer session timeout, 30 s unless set, and refuses one below 3 s', () => {
    expect(loadConfig(EnrolmentLikeConfig, {}).KAFKA_SESSION_TIMEOUT_MS).toBe(30_000);
    expect(loadConfig(EnrolmentLikeConfig, { KAFKA_SESSION_TIMEOUT_MS: '8000' }).KAFKA_SESSION_TIMEOUT_MS).toBe(8_000);
    expect(problemsOf(() => loadConfig(EnrolmentLikeConfig, { KAFKA_SESSION_TIMEOUT_MS: '500' }))).toEqual([
      { variable: 'KAFKA_SESSION_TIMEOUT_MS', reason: 'must be between 3000 and 300000 (got "500")' },
    ]);
  });

  it('puts one line per variable in the error message', () => {
    expect(() => loadConfig(EnrolmentLikeConfig, { PORT: '70000' })).toThrow(
      'Invalid configuration:\n  - PORT: must be between 0 and 65535 (got "70000")',
    );
  });

  it('requires a real token secret in production, without echoing it', () => {
    const problems = problemsOf(() => loadConfig(EnrolmentLikeConfig, { NODE_ENV: 'production', AUTH_TOKEN_SECRET: 'short-secret' }));

    expect(problems).toEqual([{ variable: 'AUTH_TOKEN_SECRET', reason: 'must be at least 32 characters' }]);
  });

  it('refuses the development token issuer in production', () => {
    const problems = problemsOf(() =>
      loadConfig(EnrolmentLikeConfig, { NODE_ENV: 'production', AUTH_TOKEN_SECRET: 'x'.repeat(40), AUTH_DEV_ISSUER: 'true' }),
    );

    expect(problems).toEqual([{ variable: 'AUTH_DEV_ISSUER', reason: 'must not be true when NODE_ENV=production' }]);
  });

  it('requires the database URL when the schema names no service', () => {
    class AnonymousConfig extends BaseServiceConfig {}

    const problems = problemsOf(() => loadConfig(AnonymousConfig, { PORT: '1' }));

    expect(problems.map((p) => p.variable)).toEqual(['DATABASE_URL', 'KAFKA_CLIENT_ID']);
    expect(problems[0]!.reason).toMatch(/^is required/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig(EnrolmentLikeConfig, { PORT: '' }).PORT).toBe(3001);
  });

  it('lists the variables a schema declares', () => {
    expect(configVariables(EnrolmentLikeConfig)).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'ENROLMENT_MAX_DEPENDANTS', 'NODE_ENV']));
  });
});
