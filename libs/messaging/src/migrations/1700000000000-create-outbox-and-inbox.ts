import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbox and inbox tables of @dmp/messaging. The timestamp (2023) sorts before every service
 * migration, so a service's own migrations may rely on these tables.
 */
export class CreateOutboxAndInbox1700000000000 implements MigrationInterface {
  name = 'CreateOutboxAndInbox1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "outbox_events" (
        "id" BIGSERIAL NOT NULL,
        "topic" text NOT NULL,
        "key" text,
        "headers" jsonb NOT NULL,
        "payload" jsonb NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "published_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_outbox_events" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "outbox_events_unpublished_idx" ON "outbox_events" ("id") WHERE published_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "outbox_events_published_at_idx" ON "outbox_events" ("published_at")`,
    );
    // Wakes the relay (LISTEN outbox_events) when a transaction that appended events commits;
    // per statement so a bulk append sends one notification, and PostgreSQL folds duplicates
    // within a transaction.
    await queryRunner.query(`
      CREATE FUNCTION "outbox_events_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox_events', '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "outbox_events_notify" AFTER INSERT ON "outbox_events"
      FOR EACH STATEMENT EXECUTE FUNCTION "outbox_events_notify"()`);

    await queryRunner.query(`
      CREATE TABLE "inbox_events" (
        "consumer_group" text NOT NULL,
        "event_id" uuid NOT NULL,
        "topic" text NOT NULL,
        "partition" integer NOT NULL,
        "offset" bigint NOT NULL,
        "handled_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_inbox_events" PRIMARY KEY ("consumer_group", "event_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "inbox_events_handled_at_idx" ON "inbox_events" ("handled_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "inbox_events"`);
    await queryRunner.query(`DROP TRIGGER "outbox_events_notify" ON "outbox_events"`);
    await queryRunner.query(`DROP FUNCTION "outbox_events_notify"()`);
    await queryRunner.query(`DROP TABLE "outbox_events"`);
  }
}
