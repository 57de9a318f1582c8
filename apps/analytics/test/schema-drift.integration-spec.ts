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
    // Outbox and inbox tables included: the service's schema is checked whole.
    const drift = await findSchemaDrift(sut);

    expect(drift).toEqual([]);
  });

  it('stores every instant as timestamptz', () => {
    expect(findTimestampsWithoutTimeZone(sut)).toEqual([]);
  });
});
