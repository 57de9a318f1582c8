import type { MixedList, EntitySchema } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

// TypeORM accepts classes, schemas or glob strings; services pass classes so the build needs no globs.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityList = MixedList<Function | string | EntitySchema>;
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type MigrationList = MixedList<Function | string>;

export interface DataSourceSettings {
  /** postgres://user:password@host:port/database */
  url: string;
  entities: EntityList;
  migrations: MigrationList;
  /** Names the connection in pg_stat_activity (`application_name`), handy when five services share a server. */
  serviceName: string;
  /** Pool size per instance; services rarely need more than the default. */
  poolSize?: number;
  logging?: boolean;
}

/**
 * The one way a service builds its TypeORM options: PostgreSQL, never `synchronize` (the schema
 * only changes through migrations, run explicitly at boot by the platform), and a migrations
 * table whose name is the same in every service so operators know where to look.
 */
export function createDataSourceOptions(settings: DataSourceSettings): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: settings.entities,
    migrations: settings.migrations,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: settings.logging ? ['query', 'error'] : ['error'],
    applicationName: `dmp-${settings.serviceName}`,
    poolSize: settings.poolSize ?? 10,
    extra: {
      // Fail fast instead of queueing forever when the database is gone; readiness reports it.
      connectionTimeoutMillis: 5_000,
    },
  };
}
