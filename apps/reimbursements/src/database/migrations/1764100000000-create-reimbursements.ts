import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateReimbursements1764100000000 implements MigrationInterface {
  name = 'CreateReimbursements1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The lines, partitioned by month through the line id (its first six digits are the care
    // month, checked against the care date on import): the primary key on line_id alone is then
    // legal on a partitioned table and makes any re-delivery of a line a no-op, and the purge
    // drops whole months. Columns are in the feed's order so accepted lines are COPYed as read.
    // No TypeORM entity: TypeORM does not model partitioned tables; this service reads and
    // writes them with SQL only.
    await queryRunner.query(`
      CREATE TABLE "reimbursement_lines" (
        "line_id" bigint NOT NULL,
        "ins" character varying(15) COLLATE "C" NOT NULL,
        "care_date" date NOT NULL,
        "coding_system" character varying(5) NOT NULL,
        "code" character varying(13) NOT NULL,
        "label" text NOT NULL,
        "quantity" smallint NOT NULL,
        "prescriber" character varying(11),
        "performer" character varying(11) NOT NULL,
        "charged_cents" integer NOT NULL,
        "reimbursed_cents" integer NOT NULL,
        CONSTRAINT "PK_reimbursement_lines" PRIMARY KEY ("line_id")
      ) PARTITION BY RANGE ("line_id")`);
    // For the patient's history (GET /patients/:ins/reimbursements); "C" collation: byte order
    // compares several times faster than a locale on every insert and probe.
    await queryRunner.query(
      `CREATE INDEX "reimbursement_lines_ins_care_date_idx" ON "reimbursement_lines" ("ins", "care_date")`,
    );

    await queryRunner.query(`
      CREATE TABLE "reimbursement_files" (
        "file_id" character varying(100) NOT NULL,
        "kind" character varying(10) NOT NULL,
        "period_start" date,
        "period_end" date,
        "declared_lines" bigint NOT NULL,
        "sha256" character(64) NOT NULL,
        "size_bytes" bigint NOT NULL,
        "location" text NOT NULL,
        "source" character varying(20) NOT NULL,
        "status" character varying(20) NOT NULL,
        "refusal_reason" text,
        "batch_lines" integer NOT NULL,
        "lines_read" bigint NOT NULL DEFAULT 0,
        "imported" bigint NOT NULL DEFAULT 0,
        "duplicates" bigint NOT NULL DEFAULT 0,
        "rejected" bigint NOT NULL DEFAULT 0,
        "unknown_patient" bigint NOT NULL DEFAULT 0,
        "out_of_window" bigint NOT NULL DEFAULT 0,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "completed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_reimbursement_files" PRIMARY KEY ("file_id")
      )`);
    // Checkpoints: one row per committed batch, written in the batch's transaction.
    await queryRunner.query(`
      CREATE TABLE "reimbursement_import_batches" (
        "file_id" character varying(100) NOT NULL,
        "batch_no" integer NOT NULL,
        "first_line" bigint NOT NULL,
        "line_count" integer NOT NULL,
        "end_offset" bigint NOT NULL,
        "imported" integer NOT NULL,
        "duplicates" integer NOT NULL,
        "rejected" integer NOT NULL,
        "unknown_patient" integer NOT NULL,
        "out_of_window" integer NOT NULL,
        "committed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_reimbursement_import_batches" PRIMARY KEY ("file_id", "batch_no")
      )`);
    await queryRunner.query(`
      CREATE TABLE "reimbursement_import_rejects" (
        "file_id" character varying(100) NOT NULL,
        "line_no" bigint NOT NULL,
        "reason" text NOT NULL,
        CONSTRAINT "PK_reimbursement_import_rejects" PRIMARY KEY ("file_id", "line_no")
      )`);
    // Read model of enrolment events: which patients have an open DMP.
    await queryRunner.query(`
      CREATE TABLE "reimbursement_open_records" (
        "ins" character varying(15) COLLATE "C" NOT NULL,
        "is_open" boolean NOT NULL,
        "opened_at" TIMESTAMP WITH TIME ZONE,
        "closed_at" TIMESTAMP WITH TIME ZONE,
        "last_event_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_reimbursement_open_records" PRIMARY KEY ("ins")
      )`);
    // Files waiting to be imported, whatever way they came in (drop folder, upload, Kafka
    // announcement): durable, so an instance that dies mid-import leaves the entry for the next.
    await queryRunner.query(`
      CREATE TABLE "reimbursement_import_queue" (
        "id" BIGSERIAL NOT NULL,
        "location" text NOT NULL,
        "sha256" character varying(64),
        "expected_lines" bigint,
        "expected_file_id" character varying(128),
        "source" character varying(20) NOT NULL,
        "correlation_id" character varying(128),
        "status" character varying(10) NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "last_error" text,
        "outcome" character varying(20),
        "file_id" character varying(100),
        "enqueued_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "finished_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_reimbursement_import_queue" PRIMARY KEY ("id")
      )`);
    // For the import runner's poll.
    await queryRunner.query(
      `CREATE INDEX "reimbursement_import_queue_pending_idx" ON "reimbursement_import_queue" ("id") WHERE "status" = 'pending'`,
    );
    // Consent state per patient (the access rules' input), folded from consent events.
    await queryRunner.query(`
      CREATE TABLE "reimbursement_consent_states" (
        "ins" character varying(15) NOT NULL,
        "state" jsonb NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_reimbursement_consent_states" PRIMARY KEY ("ins")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "reimbursement_import_queue"`);
    await queryRunner.query(`DROP TABLE "reimbursement_consent_states"`);
    await queryRunner.query(`DROP TABLE "reimbursement_open_records"`);
    await queryRunner.query(`DROP TABLE "reimbursement_import_rejects"`);
    await queryRunner.query(`DROP TABLE "reimbursement_import_batches"`);
    await queryRunner.query(`DROP TABLE "reimbursement_files"`);
    await queryRunner.query(`DROP TABLE "reimbursement_lines"`);
  }
}
