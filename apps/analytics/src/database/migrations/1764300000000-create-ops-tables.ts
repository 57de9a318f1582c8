import { MigrationInterface, QueryRunner } from 'typeorm';

/** The operators' view: instances from heartbeats, dead-letter counts, consumer lag. */
export class CreateOpsTables1764300000000 implements MigrationInterface {
  name = 'CreateOpsTables1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "ops_instances" (
        "service" text NOT NULL,
        "instance" text NOT NULL,
        "version" text NOT NULL,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "ready" boolean NOT NULL,
        "uptime_seconds" integer,
        "last_heartbeat_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "http_requests" bigint,
        "http_4xx" bigint,
        "http_5xx" bigint,
        "events_handled" bigint,
        "events_failed" bigint,
        "outbox_backlog" bigint,
        "imports" jsonb NOT NULL,
        "previous_at" TIMESTAMP WITH TIME ZONE,
        "previous_http_requests" bigint,
        "previous_http_4xx" bigint,
        "previous_http_5xx" bigint,
        "previous_events_handled" bigint,
        "previous_events_failed" bigint,
        CONSTRAINT "PK_ops_instances" PRIMARY KEY ("service", "instance")
      )`);
    await queryRunner.query(`
      CREATE TABLE "ops_dead_letters" (
        "source_topic" text NOT NULL,
        "reason" text NOT NULL,
        "count" bigint NOT NULL,
        "last_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_ops_dead_letters" PRIMARY KEY ("source_topic", "reason")
      )`);
    await queryRunner.query(`
      CREATE TABLE "ops_consumer_offsets" (
        "topic" text NOT NULL,
        "partition" integer NOT NULL,
        "next_offset" bigint NOT NULL,
        CONSTRAINT "PK_ops_consumer_offsets" PRIMARY KEY ("topic", "partition")
      )`);
    await queryRunner.query(`
      CREATE TABLE "ops_consumer_lag" (
        "group_id" text NOT NULL,
        "topic" text NOT NULL,
        "partition" integer NOT NULL,
        "committed_offset" bigint,
        "end_offset" bigint NOT NULL,
        "lag" bigint NOT NULL,
        "measured_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_ops_consumer_lag" PRIMARY KEY ("group_id", "topic", "partition")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "ops_consumer_lag"`);
    await queryRunner.query(`DROP TABLE "ops_consumer_offsets"`);
    await queryRunner.query(`DROP TABLE "ops_dead_letters"`);
    await queryRunner.query(`DROP TABLE "ops_instances"`);
  }
}
