import { createDataSourceOptions, parseDatabaseUrl, redactUrl, withDatabase } from '../src';

describe(parseDatabaseUrl.name, () => {
  it('splits the database name from the server', () => {
    expect(parseDatabaseUrl('postgres://u:p@db:5432/dmp_consent')).toEqual({
      database: 'dmp_consent',
      maintenanceUrl: 'postgres://u:p@db:5432/postgres',
    });
  });

  it('refuses a URL without a database, without leaking the password', () => {
    expect(() => parseDatabaseUrl('postgres://u:secret@db:5432/')).toThrow('the URL names no database: postgres://u:***@db:5432/');
  });

  it('refuses another protocol', () => {
    expect(() => parseDatabaseUrl('mysql://u@db/x')).toThrow(/not a PostgreSQL URL/);
  });
});

describe(withDatabase.name, () => {
  it('swaps the database and keeps credentials and parameters', () => {
    expect(withDatabase('postgres://u:p@db:5432/postgres?sslmode=require', 'dmp_a')).toBe('postgres://u:p@db:5432/dmp_a?sslmode=require');
  });
});

describe(redactUrl.name, () => {
  it('hides the password', () => {
    expect(redactUrl('postgres://u:hunter2@db/x')).toBe('postgres://u:***@db/x');
  });
});

describe(createDataSourceOptions.name, () => {
  it('never synchronizes nor runs migrations implicitly', () => {
    const sut = createDataSourceOptions({ url: 'postgres://u:p@db/x', entities: [], migrations: [], serviceName: 'enrolment' });

    expect(sut).toMatchObject({ type: 'postgres', synchronize: false, migrationsRun: false, applicationName: 'dmp-enrolment' });
  });
});
