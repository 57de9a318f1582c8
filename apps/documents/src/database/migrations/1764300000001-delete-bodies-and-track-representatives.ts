import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deleting a document now deletes its body: every version of its replacement chain records when
 * its body went (the metadata stays, as the history and tombstone), and the blob deletion looks
 * for other documents still using the same body through an index on the hash. The legal
 * representatives of a patient change with enrolment events: the instant of the last change
 * lets an older event, arriving late, leave a newer list alone.
 */
export class DeleteBodiesAndTrackRepresentatives1764300000001 implements MigrationInterface {
  name = 'DeleteBodiesAndTrackRepresentatives1764300000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "documents" ADD "body_deleted_at" timestamptz`);
    await queryRunner.query(`CREATE INDEX "IX_documents_sha256" ON "documents" ("sha256")`);
    await queryRunner.query(`ALTER TABLE "document_patients" ADD "legal_representatives_changed_at" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "document_patients" DROP COLUMN "legal_representatives_changed_at"`);
    await queryRunner.query(`DROP INDEX "IX_documents_sha256"`);
    await queryRunner.query(`ALTER TABLE "documents" DROP COLUMN "body_deleted_at"`);
  }
}
