import { MigrationInterface, QueryRunner } from 'typeorm';

/** The packs blob store's index: each body's pack file and byte range (see PackBlobStore). */
export class CreateBlobLocations1764400000000 implements MigrationInterface {
  name = 'CreateBlobLocations1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "document_blob_locations" (
        "sha256" varchar(64) NOT NULL,
        "pack" varchar(200) NOT NULL,
        "pack_offset" bigint NOT NULL,
        "length" integer NOT NULL,
        "created_at" timestamptz NOT NULL,
        CONSTRAINT "PK_document_blob_locations" PRIMARY KEY ("sha256")
      )`,
    );
    // The orphan sweep asks whether any body still lives in a pack.
    await queryRunner.query(`CREATE INDEX "IX_document_blob_locations_pack" ON "document_blob_locations" ("pack")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "document_blob_locations"`);
  }
}
