import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum DocumentStatus {
  ACTIVE = 'active',
  /** Replaced by a newer version; kept for the history. */
  DEPRECATED = 'deprecated',
  ARCHIVED = 'archived',
  DELETED = 'deleted',
}

/** One version of a document's metadata; the body lives in the blob store, addressed by its hash. */
@Entity({ name: 'documents' })
@Index('IX_documents_ins_authored_at', ['ins', 'authoredAt'])
// For the deletion of a body: is it still used by another document?
@Index('IX_documents_sha256', ['sha256'])
export class DocumentEntity {
  @PrimaryColumn({ name: 'document_id', type: 'varchar', length: 128, primaryKeyConstraintName: 'PK_documents' })
  documentId!: string;

  @PrimaryColumn({ type: 'int', primaryKeyConstraintName: 'PK_documents' })
  version!: number;

  /**
   * The document id while this version is the current one, NULL once replaced: a plain unique
   * index on it lets only one current version exist per id, whatever the number of instances.
   */
  @Index('UQ_documents_current_id', { unique: true })
  @Column({ name: 'current_id', type: 'varchar', length: 128, nullable: true })
  currentId!: string | null;

  @Column({ type: 'varchar', length: 15 })
  ins!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: DocumentStatus;

  @Column({ type: 'varchar', length: 32 })
  type!: string;

  @Column({ type: 'varchar', length: 16 })
  format!: string;

  @Column({ type: 'varchar', length: 255 })
  title!: string;

  @Column({ name: 'author_rpps', type: 'varchar', length: 11, nullable: true })
  authorRpps!: string | null;

  @Column({ name: 'author_profession', type: 'varchar', length: 32, nullable: true })
  authorProfession!: string | null;

  @Column({ name: 'author_name', type: 'varchar', length: 200, nullable: true })
  authorName!: string | null;

  @Column({ name: 'establishment_finess', type: 'varchar', length: 9, nullable: true })
  establishmentFiness!: string | null;

  @Column({ name: 'establishment_kind', type: 'varchar', length: 32, nullable: true })
  establishmentKind!: string | null;

  @Column({ name: 'establishment_category', type: 'varchar', length: 32, nullable: true })
  establishmentCategory!: string | null;

  @Column({ name: 'source_category', type: 'varchar', length: 32 })
  sourceCategory!: string;

  @Column({ name: 'authored_at', type: 'timestamptz' })
  authoredAt!: Date;

  @Column({ name: 'service_start', type: 'date', nullable: true })
  serviceStart!: string | null;

  @Column({ name: 'service_end', type: 'date', nullable: true })
  serviceEnd!: string | null;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ name: 'size_bytes', type: 'int' })
  sizeBytes!: number;

  @Column({ name: 'masked_from_professionals', type: 'boolean' })
  maskedFromProfessionals!: boolean;

  @Column({ name: 'invisible_to_patient', type: 'boolean' })
  invisibleToPatient!: boolean;

  @Column({ name: 'invisible_to_legal_representatives', type: 'boolean' })
  invisibleToLegalRepresentatives!: boolean;

  @Column({ name: 'replaces_document_id', type: 'varchar', length: 128, nullable: true })
  replacesDocumentId!: string | null;

  @Column({ name: 'submission_id', type: 'varchar', length: 128, nullable: true })
  submissionId!: string | null;

  @Column({ name: 'added_by_role', type: 'varchar', length: 32 })
  addedByRole!: string;

  @Column({ name: 'added_by_id', type: 'varchar', length: 64 })
  addedById!: string;

  @Column({ name: 'added_at', type: 'timestamptz' })
  addedAt!: Date;

  @Column({ name: 'changed_at', type: 'timestamptz' })
  changedAt!: Date;

  /** Set on every version of a deleted document's chain: its body is gone and is never served. */
  @Column({ name: 'body_deleted_at', type: 'timestamptz', nullable: true })
  bodyDeletedAt!: Date | null;
}
