import { MigrationInterface, QueryRunner } from 'typeorm';

/** Facts and counters of the documents, access, notification and reimbursement-import figures. */
export class CreateActivityFacts1764210000000 implements MigrationInterface {
  name = 'CreateActivityFacts1764210000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "document_facts" ("document_id" character varying(128) NOT NULL, "version" integer NOT NULL, "ins" character(15) NOT NULL, "cpam_code" character varying(3) NOT NULL DEFAULT '', "day" date NOT NULL, "source_category" text NOT NULL, "type" text NOT NULL, "kind" text NOT NULL, CONSTRAINT "PK_document_facts" PRIMARY KEY ("document_id", "version"))`,
    );
    await queryRunner.query(`CREATE INDEX "document_facts_unresolved_ins_idx" ON "document_facts" ("ins") WHERE "cpam_code" = ''`);
    await queryRunner.query(
      `CREATE TABLE "document_counts" ("day" date NOT NULL, "cpam_code" character varying(3) NOT NULL, "source_category" text NOT NULL, "type" text NOT NULL, "added" bigint NOT NULL DEFAULT '0', "replaced" bigint NOT NULL DEFAULT '0', CONSTRAINT "PK_document_counts" PRIMARY KEY ("day", "cpam_code", "source_category", "type"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "distinct_members" ("figure" text NOT NULL, "granularity" character(1) NOT NULL, "period" date NOT NULL, "member_id" text NOT NULL, "grp" text NOT NULL DEFAULT '', "cpam_code" character varying(3) NOT NULL DEFAULT '-', CONSTRAINT "PK_distinct_members" PRIMARY KEY ("figure", "granularity", "period", "member_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "distinct_members_unresolved_idx" ON "distinct_members" ("member_id") WHERE "cpam_code" = ''`);
    await queryRunner.query(
      `CREATE TABLE "distinct_counts" ("figure" text NOT NULL, "granularity" character(1) NOT NULL, "period" date NOT NULL, "grp" text NOT NULL, "cpam_code" character varying(3) NOT NULL, "members" bigint NOT NULL DEFAULT '0', CONSTRAINT "PK_distinct_counts" PRIMARY KEY ("figure", "granularity", "period", "grp", "cpam_code"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "notification_facts" ("notification_id" uuid NOT NULL, "ins" character(15) NOT NULL, "cpam_code" character varying(3) NOT NULL DEFAULT '', "day" date NOT NULL, "trigger" text NOT NULL, "channel" text NOT NULL, CONSTRAINT "PK_notification_facts" PRIMARY KEY ("notification_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "notification_facts_unresolved_ins_idx" ON "notification_facts" ("ins") WHERE "cpam_code" = ''`);
    await queryRunner.query(
      `CREATE TABLE "notification_counts" ("day" date NOT NULL, "cpam_code" character varying(3) NOT NULL, "trigger" text NOT NULL, "channel" text NOT NULL, "notifications" bigint NOT NULL DEFAULT '0', CONSTRAINT "PK_notification_counts" PRIMARY KEY ("day", "cpam_code", "trigger", "channel"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "reimbursement_file_facts" ("file_id" character varying(128) NOT NULL, "completed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "day" date NOT NULL, "kind" text NOT NULL, "status" text NOT NULL, "lines_read" integer NOT NULL, "lines_imported" integer NOT NULL, "lines_duplicate" integer NOT NULL, "lines_rejected" integer NOT NULL, "lines_unknown_patient" integer NOT NULL, "lines_out_of_window" integer NOT NULL, CONSTRAINT "PK_reimbursement_file_facts" PRIMARY KEY ("file_id", "completed_at"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['reimbursement_file_facts', 'notification_counts', 'notification_facts', 'distinct_counts', 'distinct_members', 'document_counts', 'document_facts']) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
