import { Client } from 'pg';
import { Column, CreateDateColumn, DataSource, Entity, MigrationInterface, PrimaryColumn, QueryRunner } from 'typeorm';
import {
  createDataSourceOptions,
  ensureDatabase,
  findSchemaDrift,
  findTimestampsWithoutTimeZone,
  runMigrations,
  withDatabase,
} from '../src';

// Uses the shared test server directly (not @dmp/testing, which itself builds on this library).
function testDatabaseUrl(): string {
  const url = process.env['TEST_DATABASE_URL'];
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run as a jest integration test');
  return url;
}

let databases = 0;
async function createTestDatabase(prefix: string): Promise<string> {
  const url = withDatabase(testDatabaseUrl(), `${prefix}_${process.pid}_${Date.now()}_${databases++}`);
  await ensureDatabase(url);
  return url;
}

@Entity('parcels')
class ParcelEntity {
  // The tracking number is the natural key the carrier gives.
  @PrimaryColumn({ type: 'text' })
  trackingNumber!: string;

  @Column({ type: 'int' })
  weightGrams!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity('parcels')
class ParcelWithLabelEntity extends ParcelEntity {
  @Column({ type: 'text', nullable: true })
  label!: string | null;
}

@Entity('naive_events')
class NaiveEventEntity {
  @PrimaryColumn({ type: 'int' })
  id!: number;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}

class CreateParcels1700000000001 implements MigrationInterface {
  name = 'CreateParcels1700000000001';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "parcels" ("trackingNumber" text PRIMARY KEY, "weightGrams" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now())',
    );
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "parcels"');
  }
}

async function dataSourceFor(url: string, entities: Array<new () => object>): Promise<DataSource> {
  return new DataSource(
    createDataSourceOptions({ url, entities, migrations: [CreateParcels1700000000001], serviceName: 'persistence-test' }),
  ).initialize();
}

describe('@dmp/persistence', () => {
  const open: DataSource[] = [];
  afterAll(async () => {
    await Promise.all(open.map((ds) => ds.destroy()));
  });

  describe(ensureDatabase.name, () => {
    it('creates a missing database once and reports it', async () => {
      const url = withDatabase(testDatabaseUrl(), `ensure_${Date.now()}`);

      const results = await Promise.all([ensureDatabase(url), ensureDatabase(url), ensureDatabase(url)]);

      expect(results.filter(Boolean)).toHaveLength(1);
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.end();
    });

    it('leaves an existing database alone', async () => {
      const url = await createTestDatabase('ensure_existing');

      await expect(ensureDatabase(url)).resolves.toBe(false);
    });
  });

  describe(runMigrations.name, () => {
    it('applies pending migrations once even when instances run them concurrently', async () => {
      const url = await createTestDatabase('migrations');
      const first = await dataSourceFor(url, [ParcelEntity]);
      const second = await dataSourceFor(url, [ParcelEntity]);
      open.push(first, second);

      const [a, b] = await Promise.all([runMigrations(first), runMigrations(second)]);

      expect([...a, ...b].map((m) => m.name)).toEqual(['CreateParcels1700000000001']);
    });
  });

  describe(findSchemaDrift.name, () => {
    it('finds nothing when the migrations match the entities', async () => {
      const url = await createTestDatabase('drift_none');
      const sut = await dataSourceFor(url, [ParcelEntity]);
      open.push(sut);
      await runMigrations(sut);

      await expect(findSchemaDrift(sut)).resolves.toEqual([]);
    });

    it('reports the SQL an entity change without a migration would need', async () => {
      const url = await createTestDatabase('drift_column');
      const migrated = await dataSourceFor(url, [ParcelEntity]);
      open.push(migrated);
      await runMigrations(migrated);
      const sut = await dataSourceFor(url, [ParcelWithLabelEntity]);
      open.push(sut);

      await expect(findSchemaDrift(sut)).resolves.toEqual(['ALTER TABLE "parcels" ADD "label" text']);
    });
  });

  describe(findTimestampsWithoutTimeZone.name, () => {
    it('names columns mapped as timestamp without time zone', async () => {
      const sut = await dataSourceFor(await createTestDatabase('naive'), [ParcelEntity, NaiveEventEntity]);
      open.push(sut);

      expect(findTimestampsWithoutTimeZone(sut)).toEqual(['NaiveEventEntity.createdAt']);
    });
  });
});
