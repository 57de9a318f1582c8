import type { DataSource } from 'typeorm';

/**
 * The SQL TypeORM would run to make the database match the entities. Empty means the migrations
 * describe the entities exactly; anything else is an entity change that has no migration yet.
 * Run it after `runMigrations` in each service's integration tests.
 */
export async function findSchemaDrift(dataSource: DataSource): Promise<string[]> {
  const sqlInMemory = await dataSource.driver.createSchemaBuilder().log();
  return sqlInMemory.upQueries.map((query) => query.query.trim());
}

/**
 * Columns mapped as `timestamp` (without time zone). Instants are always `timestamptz` in this
 * code base (a `timestamp` silently drops the offset); returns `entity.property` for each offender.
 */
export function findTimestampsWithoutTimeZone(dataSource: DataSource): string[] {
  const offenders: string[] = [];
  for (const entity of dataSource.entityMetadatas) {
    for (const column of entity.columns) {
      const type = typeof column.type === 'string' ? column.type : dataSource.driver.normalizeType(column);
      if (type === 'timestamp' || type === 'timestamp without time zone') {
        offenders.push(`${entity.name}.${column.propertyName}`);
      }
    }
  }
  return offenders;
}
