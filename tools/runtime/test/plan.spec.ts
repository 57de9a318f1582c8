import { planRuntime, UsageError } from '../src/plan';

describe(planRuntime.name, () => {
  const root = '/repo';

  it('runs the five services on 3001-3005 with embedded PostgreSQL and broker by default', () => {
    const sut = planRuntime([], {}, root);

    expect(sut.instances.map((i) => [i.service, i.port, i.instanceId])).toEqual([
      ['enrolment', 3001, 'enrolment'],
      ['documents', 3002, 'documents'],
      ['reimbursements', 3003, 'reimbursements'],
      ['consent', 3004, 'consent'],
      ['analytics', 3005, 'analytics'],
    ]);
    expect(sut.embeddedPostgres).toEqual({ port: 54320, dataDir: '/repo/.data/postgres' });
    expect(sut.embeddedKafka).toEqual({ port: 19092, dataDir: '/repo/.data/kafka' });
    expect(sut.kafkaBrokers).toBe('127.0.0.1:19092');
    expect(sut.instances[0]!.databaseUrl).toBe('postgres://postgres:postgres@127.0.0.1:54320/dmp_enrolment');
  });

  it('starts a subset named by SERVICES', () => {
    const sut = planRuntime([], { SERVICES: 'consent, enrolment' }, root);

    expect(sut.instances.map((i) => i.service)).toEqual(['enrolment', 'consent']);
  });

  it('refuses an unknown service name, listing the known ones', () => {
    expect(() => planRuntime([], { SERVICES: 'enrolment,billing' }, root)).toThrow(
      /unknown service\(s\) billing; known: enrolment, documents, reimbursements, consent, analytics/,
    );
  });

  it('runs N instances of each service on ports 100 apart with distinct instance ids', () => {
    const sut = planRuntime(['--instances', '2', '--services=enrolment'], {}, root);

    expect(sut.instances.map((i) => [i.port, i.instanceId])).toEqual([
      [3001, 'enrolment-1'],
      [3101, 'enrolment-2'],
    ]);
  });

  it('uses an external Kafka and starts no broker when KAFKA_BROKERS is set', () => {
    const sut = planRuntime([], { KAFKA_BROKERS: 'kafka:9092' }, root);

    expect(sut.embeddedKafka).toBeUndefined();
    expect(sut.kafkaBrokers).toBe('kafka:9092');
  });

  it('puts each service database on the server of DATABASE_URL and starts no embedded PostgreSQL', () => {
    const sut = planRuntime([], { DATABASE_URL: 'postgres://u:p@db:5432/whatever' }, root);

    expect(sut.embeddedPostgres).toBeUndefined();
    expect(sut.instances.find((i) => i.service === 'consent')!.databaseUrl).toBe('postgres://u:p@db:5432/dmp_consent');
  });

  it('lets DATABASE_URL_<SERVICE> name one database, still embedding PostgreSQL for the others', () => {
    const sut = planRuntime([], { DATABASE_URL_ENROLMENT: 'postgres://u:p@db:5432/mine' }, root);

    expect(sut.embeddedPostgres).toBeDefined();
    expect(sut.instances[0]!.databaseUrl).toBe('postgres://u:p@db:5432/mine');
    expect(sut.instances[1]!.databaseUrl).toContain('127.0.0.1:54320/dmp_documents');
  });

  it('starts no embedded PostgreSQL when every selected service has its own URL', () => {
    const sut = planRuntime([], { SERVICES: 'enrolment', DATABASE_URL_ENROLMENT: 'postgres://u:p@db:5432/mine' }, root);

    expect(sut.embeddedPostgres).toBeUndefined();
  });

  it('moves ports, data and infrastructure ports with flags', () => {
    const sut = planRuntime(['--port-offset', '20000', '--pg-port', '45432', '--kafka-port', '45092', '--data-dir', '/tmp/d'], {}, root);

    expect(sut.instances[0]!.port).toBe(23001);
    expect(sut.embeddedPostgres).toEqual({ port: 45432, dataDir: '/tmp/d/postgres' });
    expect(sut.kafkaBrokers).toBe('127.0.0.1:45092');
  });

  it("keeps reimbursements' drop folder and upload spool under the data directory, unless set", () => {
    const moved = planRuntime(['--data-dir', '/tmp/d'], {}, root).instances.find((i) => i.service === 'reimbursements')!;
    const set = planRuntime([], { REIMBURSEMENTS_DROP_DIR: '/in' }, root).instances.find((i) => i.service === 'reimbursements')!;

    expect(moved.env).toEqual({ REIMBURSEMENTS_DROP_DIR: '/tmp/d/reimbursements/drop', REIMBURSEMENTS_SPOOL_DIR: '/tmp/d/reimbursements/spool' });
    expect(set.env).toEqual({ REIMBURSEMENTS_DROP_DIR: '/in', REIMBURSEMENTS_SPOOL_DIR: '/repo/.data/reimbursements/spool' });
  });

  it('refuses a bad --instances value and unknown flags with a usage error', () => {
    expect(() => planRuntime(['--instances', 'x'], {}, root)).toThrow(new UsageError('--instances must be an integer between 1 and 9 (got x)'));
    expect(() => planRuntime(['--verbose'], {}, root)).toThrow(/unknown option --verbose/);
  });
});
