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
    // The outbox and inbox tables belong to @dmp/messaging, whose own tests check them.
    const drift = (await findSchemaDrift(sut.app.get(DataSource))).filter((sql) => !/"(outbox_events|inbox_events)"/.test(sql));
    expect(drift).toEqual([]);
  });

  it('stores every instant as timestamptz', () => {
    expect(findTimestampsWithoutTimeZone(sut.app.get(DataSource))).toEqual([]);
  });
});
