import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateBulkJobs1764000001000 implements MigrationInterface {
  name = 'CreateBulkJobs1764000001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "bulk_jobs" (
        "id" uuid NOT NULL,
        "status" character varying(10) NOT NULL,
        "format" character varying(10) NOT NULL,
        "submitted_by" jsonb NOT NULL,
        "file_name" character varying(255),
        "expected_rows" integer,
        "rows_processed" integer NOT NULL DEFAULT 0,
        "opened" integer NOT NULL DEFAULT 0,
        "already_opened" integer NOT NULL DEFAULT 0,
        "conflicts" integer NOT NULL DEFAULT 0,
        "rejected" integer NOT NULL DEFAULT 0,
        "failure" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "started_at" TIMESTAMP WITH TIME ZONE,
        "finished_at" TIMESTAMP WITH TIME ZONE,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_bulk_jobs" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "bulk_job_results" (
        "job_id" uuid NOT NULL,
        "seq" integer NOT NULL,
        "first_line" integer NOT NULL,
        "lines" text NOT NULL,
        CONSTRAINT "PK_bulk_job_results" PRIMARY KEY ("job_id", "seq")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "bulk_job_results"`);
    await queryRunner.query(`DROP TABLE "bulk_jobs"`);
  }
}
