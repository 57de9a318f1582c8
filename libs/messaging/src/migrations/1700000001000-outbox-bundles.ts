import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bundle rows in the outbox (OutboxService.appendBundle): one row carries many events of one
 * topic as text, for bulk paths. The view outbox_messages shows every event as a row of its own
 * (id, position within the row, topic, key, headers, payload), bundled or not, for tests, audits
 * and anyone who used to read outbox_events' payloads.
 */
export class OutboxBundles1700000001000 implements MigrationInterface {
  name = 'OutboxBundles1700000001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "outbox_events"
        ADD "messages" text,
        ADD "message_count" integer NOT NULL DEFAULT 1,
        ALTER "payload" DROP NOT NULL`);
    await queryRunner.query(`
      CREATE VIEW "outbox_messages" AS
        SELECT o.id, 1::bigint AS position, o.topic, o.key, o.headers, o.payload, o.created_at, o.published_at
          FROM outbox_events o WHERE o.messages IS NULL
        UNION ALL
        SELECT o.id, m.position, o.topic, split_part(m.line, E'\\t', 1)::jsonb #>> '{}', split_part(m.line, E'\\t', 2)::jsonb,
               split_part(m.line, E'\\t', 3)::jsonb, o.created_at, o.published_at
          FROM outbox_events o, string_to_table(o.messages, E'\\n') WITH ORDINALITY AS m(line, position)
         WHERE o.messages IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP VIEW "outbox_messages"`);
    await queryRunner.query(`DELETE FROM "outbox_events" WHERE "messages" IS NOT NULL`);
    await queryRunner.query(`
      ALTER TABLE "outbox_events" DROP "messages", DROP "message_count", ALTER "payload" SET NOT NULL`);
  }
}
