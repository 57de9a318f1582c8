import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One row per document version, keyed by (document id, version) as the documents service keys
 * them: a replayed or re-published document-added/replaced event inserts nothing, so the
 * counters (incremented only for rows actually inserted) never count a version twice.
 */
@Entity({ name: 'document_facts' })
// For the CPAM resolution when the record's opening arrives after its documents.
@Index('document_facts_unresolved_ins_idx', ['ins'], { where: `"cpam_code" = ''` })
export class DocumentFactEntity {
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_document_facts', name: 'document_id', type: 'varchar', length: 128 })
  documentId!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_document_facts', type: 'int' })
  version!: number;

  @Column({ type: 'char', length: 15 })
  ins!: string;

  /** The patient's record's CPAM; '' until the record-opened event has been seen. */
  @Column({ name: 'cpam_code', type: 'varchar', length: 3, default: '' })
  cpamCode!: string;

  /** Paris day of the event's own time (addedAt / replacedAt). */
  @Column({ type: 'date' })
  day!: string;

  @Column({ name: 'source_category', type: 'text' })
  sourceCategory!: string;

  @Column({ type: 'text' })
  type!: string;

  /** 'added' (a new document) or 'replaced' (a new version of one). */
  @Column({ type: 'text' })
  kind!: string;
}
