import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRecordFacts1764200000000 implements MigrationInterface {
  name = 'CreateRecordFacts1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "record_facts" (
        "ins" character(15) NOT NULL,
        "channel" text,
        "cpam_code" character(3),
        "opener_role" text,
        "opener_id" text,
        "opened_at" TIMESTAMP WITH TIME ZONE,
        "closed_at" TIMESTAMP WITH TIME ZONE,
        "status_changed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_record_facts" PRIMARY KEY ("ins")
      )`);
    await queryRunner.query(`CREATE INDEX "record_facts_cpam_code_idx" ON "record_facts" ("cpam_code")`);
    await queryRunner.query(`CREATE INDEX "record_facts_opened_at_idx" ON "record_facts" ("opened_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "record_facts"`);
  }
}
