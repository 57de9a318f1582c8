import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRecords1764000000000 implements MigrationInterface {
  name = 'CreateRecords1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "records" (
        "id" uuid NOT NULL,
        "ins" character varying(15) NOT NULL,
        "status" character varying(10) NOT NULL,
        "family_name" character varying(100) NOT NULL,
        "given_names" character varying(200) NOT NULL,
        "birth_date" date NOT NULL,
        "cpam_code" character(3) NOT NULL,
        "email" character varying(254),
        "mobile" character varying(20),
        "emergency_access" boolean NOT NULL,
        "samu_access" boolean NOT NULL,
        "legal_representatives" jsonb NOT NULL DEFAULT '[]',
        "opening_channel" character varying(20) NOT NULL,
        "opened_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "opened_by_role" character varying(30) NOT NULL,
        "opened_by_id" character varying(64) NOT NULL,
        "opening_finess" character varying(9),
        "opening_cpam_code" character(3),
        "consent_given_by" character varying(15) NOT NULL,
        "consent_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "consent_place" character varying(200) NOT NULL,
        "consent_channel" character varying(20) NOT NULL,
        "closed_at" TIMESTAMP WITH TIME ZONE,
        "closure_reason" character varying(30),
        "closure_date" date,
        "closed_by" character varying(64),
        "reactivated_at" TIMESTAMP WITH TIME ZONE,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_records" PRIMARY KEY ("id")
      )`);
    // One DMP per person: the constraint every opening path relies on (ON CONFLICT ("ins")).
    await queryRunner.query(`CREATE UNIQUE INDEX "records_ins_key" ON "records" ("ins")`);
    await queryRunner.query(
      `CREATE INDEX "records_opening_finess_opened_at_idx" ON "records" ("opening_finess", "opened_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "records"`);
  }
}
