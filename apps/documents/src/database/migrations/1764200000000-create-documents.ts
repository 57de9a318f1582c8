import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateDocuments1764200000000 implements MigrationInterface {
  name = 'CreateDocuments1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "documents" (
        "document_id" varchar(128) NOT NULL,
        "version" int NOT NULL,
        "current_id" varchar(128),
        "ins" varchar(15) NOT NULL,
        "status" varchar(16) NOT NULL,
        "type" varchar(32) NOT NULL,
        "format" varchar(16) NOT NULL,
        "title" varchar(255) NOT NULL,
        "author_rpps" varchar(11),
        "author_profession" varchar(32),
        "author_name" varchar(200),
        "establishment_finess" varchar(9),
        "establishment_kind" varchar(32),
        "establishment_category" varchar(32),
        "source_category" varchar(32) NOT NULL,
        "authored_at" timestamptz NOT NULL,
        "service_start" date,
        "service_end" date,
        "sha256" varchar(64) NOT NULL,
        "size_bytes" int NOT NULL,
        "masked_from_professionals" boolean NOT NULL,
        "invisible_to_patient" boolean NOT NULL,
        "invisible_to_legal_representatives" boolean NOT NULL,
        "replaces_document_id" varchar(128),
        "submission_id" varchar(128),
        "added_by_role" varchar(32) NOT NULL,
        "added_by_id" varchar(64) NOT NULL,
        "added_at" timestamptz NOT NULL,
        "changed_at" timestamptz NOT NULL,
        CONSTRAINT "PK_documents" PRIMARY KEY ("document_id", "version")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_documents_current_id" ON "documents" ("current_id")`);
    await queryRunner.query(`CREATE INDEX "IX_documents_ins_authored_at" ON "documents" ("ins", "authored_at")`);
    await queryRunner.query(`
      CREATE TABLE "document_blobs" (
        "sha256" varchar(64) NOT NULL,
        "body" bytea NOT NULL,
        "created_at" timestamptz NOT NULL,
        CONSTRAINT "PK_document_blobs" PRIMARY KEY ("sha256")
      )`);
    await queryRunner.query(`
      CREATE TABLE "document_patients" (
        "ins" varchar(15) NOT NULL,
        "record_status" varchar(10) NOT NULL,
        "consent_state" jsonb NOT NULL,
        "legal_representatives" jsonb NOT NULL DEFAULT '[]',
        "updated_at" timestamptz NOT NULL,
        CONSTRAINT "PK_document_patients" PRIMARY KEY ("ins")
      )`);
    await queryRunner.query(`
      CREATE TABLE "parked_documents" (
        "id" BIGSERIAL NOT NULL,
        "ins" varchar(15) NOT NULL,
        "document_id" varchar(128) NOT NULL,
        "sha256" varchar(64) NOT NULL,
        "submission" jsonb NOT NULL,
        "parked_at" timestamptz NOT NULL,
        "deadline" timestamptz NOT NULL,
        CONSTRAINT "PK_parked_documents" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "IX_parked_documents_ins" ON "parked_documents" ("ins")`);
    await queryRunner.query(`CREATE INDEX "IX_parked_documents_deadline" ON "parked_documents" ("deadline")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_parked_documents_document_id" ON "parked_documents" ("document_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "parked_documents"`);
    await queryRunner.query(`DROP TABLE "document_patients"`);
    await queryRunner.query(`DROP TABLE "document_blobs"`);
    await queryRunner.query(`DROP TABLE "documents"`);
  }
}
