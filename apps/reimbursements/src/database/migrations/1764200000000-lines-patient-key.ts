import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One index per monthly partition instead of two: UNIQUE (ins, line_id) replaces the primary key
 * on line_id and the (ins, care_date) read index. Measured on 2M feed lines (1-stream COPY,
 * PostgreSQL CPU per row): both indexes 9.8-10.7 µs, the single (ins, line_id) index 6.4-6.6 µs
 * when the importer sends each batch sorted by (month, ins). It serves both jobs:
 * - idempotency: the insurer's line id identifies one line of one patient for good (feed format
 *   v1); a line delivered again is the same (ins, line_id) pair. A line id re-delivered under
 *   another INS breaks that promise: the importer rejects it with its line number (found through
 *   the BRIN index below), it is never stored twice;
 * - reads: a patient's lines of a month are one index range (line ids start with the care month).
 * The BRIN index on line_id costs almost nothing on insert (unsummarised ranges are skipped) and
 * lets the importer find stored line ids by value when a batch overlaps stored ids.
 * reimbursement_line_ranges: per committed batch and month, the smallest and largest line id
 * stored, written in the batch's transaction. A batch whose ids overlap no stored range (daily
 * deltas, a first backfill) needs no per-line duplicate probe at all.
 */
export class LinesPatientKey1764200000000 implements MigrationInterface {
  name = 'LinesPatientKey1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "reimbursement_lines" DROP CONSTRAINT "PK_reimbursement_lines"`,
    );
    await queryRunner.query(`DROP INDEX "reimbursement_lines_ins_care_date_idx"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "reimbursement_lines_ins_line_id_key" ON "reimbursement_lines" ("ins", "line_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "reimbursement_lines_line_id_brin" ON "reimbursement_lines" USING brin ("line_id") WITH (pages_per_range = 16)`,
    );
    await queryRunner.query(`
      CREATE TABLE "reimbursement_line_ranges" (
        "month" integer NOT NULL,
        "min_id" bigint NOT NULL,
        "max_id" bigint NOT NULL,
        "file_id" character varying(100) NOT NULL,
        "batch_no" integer NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "reimbursement_line_ranges_month_max_idx" ON "reimbursement_line_ranges" ("month", "max_id")`,
    );
    // Lines stored before this migration: one range per month.
    await queryRunner.query(`
      INSERT INTO "reimbursement_line_ranges" ("month", "min_id", "max_id", "file_id", "batch_no")
      SELECT ("line_id" / 10000000000)::int, min("line_id"), max("line_id"), 'before-ranges', 0
        FROM "reimbursement_lines" GROUP BY 1`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "reimbursement_line_ranges"`);
    await queryRunner.query(`DROP INDEX "reimbursement_lines_line_id_brin"`);
    await queryRunner.query(`DROP INDEX "reimbursement_lines_ins_line_id_key"`);
    await queryRunner.query(
      `CREATE INDEX "reimbursement_lines_ins_care_date_idx" ON "reimbursement_lines" ("ins", "care_date")`,
    );
    await queryRunner.query(
      `ALTER TABLE "reimbursement_lines" ADD CONSTRAINT "PK_reimbursement_lines" PRIMARY KEY ("line_id")`,
    );
  }
}
