export { createDataSourceOptions } from './data-source-options';
export type { DataSourceSettings, EntityList, MigrationList } from './data-source-options';
export { ensureDatabase, dropDatabase } from './ensure-database';
export { parseDatabaseUrl, withDatabase, redactUrl } from './database-url';
export { runMigrations } from './migrations';
export { findSchemaDrift, findTimestampsWithoutTimeZone } from './schema-drift';
export { startEmbeddedPostgres } from './embedded-postgres';
export type { EmbeddedPostgresOptions, EmbeddedPostgresHandle } from './embedded-postgres';
