import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bodies are mostly PDFs, already compressed: TOAST's pglz would spend CPU trying to compress
 * each 200 KB body (and give up) inside the filing transaction. EXTERNAL keeps them out of line,
 * uncompressed (and lets a reader fetch slices without decompressing).
 */
export class StoreBlobsUncompressed1764300000000 implements MigrationInterface {
  name = 'StoreBlobsUncompressed1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "document_blobs" ALTER COLUMN "body" SET STORAGE EXTERNAL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "document_blobs" ALTER COLUMN "body" SET STORAGE EXTENDED`);
  }
}
