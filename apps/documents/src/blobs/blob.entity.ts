import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Bodies of the PostgreSQL blob store, addressed by their SHA-256 (the same body is kept once). */
@Entity({ name: 'document_blobs' })
export class BlobEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_document_blobs' })
  sha256!: string;

  @Column({ type: 'bytea' })
  body!: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
