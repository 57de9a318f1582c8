import { DataSource } from 'typeorm';
import { createDataSourceOptions, findSchemaDrift, findTimestampsWithoutTimeZone, runMigrations } from '@dmp/persistence';
import { messagingEntities } from '@dmp/messaging';
import { createTestDatabase } from '@dmp/testing';
import { analyticsEntities } from '../src/database/entities';
import { analyticsMigrations } from '../src/database/migrations';

describe('analytics schema', () => {
  let sut: DataSource;

  beforeAll(async () => {
    const url = await createTestDatabase('analytics_drift');
    sut = new DataSource(createDataSourceOptions({ url, entities: [...analyticsEntities, ...messagingEntities], migrations: analyticsMigrations, serviceName: 'analytics' }));
    await sut.initialize();
    await runMigrations(sut);
  });

  afterAll(async () => {
    await sut?.destroy();
  });

  it('matches the entities after the migrations ran', async () => {
    // The outbox and inbox tables belong to @dmp/messaging, whose own tests check them.
    const drift = (await findSchemaDrift(sut)).filter((sql) => !/"(outbox_events|inbox_events)"/.test(sql));

    expect(drift).toEqual([]);
  });

  it('stores every instant as timestamptz', () => {
    expect(findTimestampsWithoutTimeZone(sut)).toEqual([]);
  });
});
