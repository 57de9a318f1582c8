import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Where the packs store keeps each body: a byte range of a pack file (one file per filing batch).
 * Written in the metadata's transaction, so a body is findable exactly when its batch committed.
 */
@Entity({ name: 'document_blob_locations' })
@Index('IX_document_blob_locations_pack', ['pack'])
export class BlobLocationEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_document_blob_locations' })
  sha256!: string;

  /** The pack file, relative to DOCUMENTS_BLOB_DIR (`packs/<bucket>/<uuid>.pack`). */
  @Column({ type: 'varchar', length: 200 })
  pack!: string;

  /** node-postgres reads bigint as a string. */
  @Column({ name: 'pack_offset', type: 'bigint' })
  offset!: string;

  @Column({ type: 'integer' })
  length!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
