import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A valid document whose record's opening has not been seen yet. Its body is already in the
 * blob store (addressed by sha256); the row keeps the metadata and where the answer goes.
 */
@Entity({ name: 'parked_documents' })
@Index('IX_parked_documents_ins', ['ins'])
@Index('IX_parked_documents_deadline', ['deadline'])
@Index('UQ_parked_documents_document_id', ['documentId'], { unique: true })
export class ParkedDocumentEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'PK_parked_documents' })
  id!: string;

  @Column({ type: 'varchar', length: 15 })
  ins!: string;

  @Column({ name: 'document_id', type: 'varchar', length: 128 })
  documentId!: string;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  /** The document's metadata (without its body), the establishment, the submission and the way in. */
  @Column({ type: 'jsonb' })
  submission!: Record<string, unknown>;

  @Column({ name: 'parked_at', type: 'timestamptz' })
  parkedAt!: Date;

  @Column({ type: 'timestamptz' })
  deadline!: Date;
}
