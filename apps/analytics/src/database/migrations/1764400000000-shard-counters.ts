import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds a `slot` to the primary key of the three counter tables. Every batch of every partition
 * used to increment the same few rows (the all-time and monthly distinct counts above all), so
 * concurrent transactions queued on those row locks; each transaction now writes the slot picked
 * from its transaction id, and the figures sum over slots. Existing rows land in slot 0.
 */
export class ShardCounters1764400000000 implements MigrationInterface {
  name = 'ShardCounters1764400000000';

  private readonly tables: ReadonlyArray<{ table: string; key: string; sums: string }> = [
    { table: 'document_counts', key: '"day", "cpam_code", "source_category", "type"', sums: 'sum("added") AS "added", sum("replaced") AS "replaced"' },
    { table: 'distinct_counts', key: '"figure", "granularity", "period", "grp", "cpam_code"', sums: 'sum("members") AS "members"' },
    { table: 'notification_counts', key: '"day", "cpam_code", "trigger", "channel"', sums: 'sum("notifications") AS "notifications"' },
  ];

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const { table, key } of this.tables) {
      await queryRunner.query(`ALTER TABLE "${table}" ADD "slot" smallint NOT NULL DEFAULT 0`);
      await queryRunner.query(`ALTER TABLE "${table}" ALTER COLUMN "slot" DROP DEFAULT`);
      await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "PK_${table}"`);
      await queryRunner.query(`ALTER TABLE "${table}" ADD CONSTRAINT "PK_${table}" PRIMARY KEY (${key}, "slot")`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const { table, key, sums } of this.tables) {
      // Fold the slots back into one row per key before the key loses its slot.
      await queryRunner.query(`CREATE TEMPORARY TABLE "folded" AS SELECT ${key}, ${sums} FROM "${table}" GROUP BY ${key}`);
      await queryRunner.query(`DELETE FROM "${table}"`);
      await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "PK_${table}"`);
      await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "slot"`);
      await queryRunner.query(`INSERT INTO "${table}" SELECT * FROM "folded"`);
      await queryRunner.query(`DROP TABLE "folded"`);
      await queryRunner.query(`ALTER TABLE "${table}" ADD CONSTRAINT "PK_${table}" PRIMARY KEY (${key})`);
    }
  }
}
