import { DataSource } from 'typeorm';
import { createDataSourceOptions, findSchemaDrift, findTimestampsWithoutTimeZone, runMigrations } from '@dmp/persistence';
import { messagingEntities } from '@dmp/messaging';
import { createTestDatabase } from '@dmp/testing';
import { consentEntities } from '../src/database/entities';
import { consentMigrations } from '../src/database/migrations';

describe('consent schema', () => {
  let sut: DataSource;

  beforeAll(async () => {
    const url = await createTestDatabase('consent_drift');
    sut = new DataSource(createDataSourceOptions({ url, entities: [...consentEntities, ...messagingEntities], migrations: consentMigrations, serviceName: 'consent' }));
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

  it('refuses to change a trace row', async () => {
    await sut.query(
      `INSERT INTO access_trace (access_id, ins, accessor_role, accessor_id, mode, target_kind, target_id, granted, reasons, rules_version, accessed_at, producer)
       VALUES (gen_random_uuid(), '123456789012345', 'professional', '10000000000', 'normal', 'document', 'd1', true, '[]', 'v', now(), 'documents')`,
    );

    await expect(sut.query(`UPDATE access_trace SET granted = false`)).rejects.toThrow('access_trace is append-only');
  });

  it('stores every instant as timestamptz', () => {
    expect(findTimestampsWithoutTimeZone(sut)).toEqual([]);
  });
});
