import { findSchemaDrift, findTimestampsWithoutTimeZone } from '@dmp/persistence';
import { DataSource } from 'typeorm';
import { EnrolmentTestApp, startEnrolmentApp } from './support/enrolment-test-app';

describe('Enrolment schema', () => {
  let sut: EnrolmentTestApp;

  beforeAll(async () => {
    sut = await startEnrolmentApp();
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('matches the entities after the migrations (no drift)', async () => {
    // Outbox and inbox tables included: the service's schema is checked whole.
    const drift = await findSchemaDrift(sut.app.get(DataSource));
    expect(drift).toEqual([]);
  });

  it('stores every instant as timestamptz', () => {
    expect(findTimestampsWithoutTimeZone(sut.app.get(DataSource))).toEqual([]);
  });
});
