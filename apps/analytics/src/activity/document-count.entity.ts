import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Documents per Paris day, patient's CPAM, source category and type: maintained in the same
 * transaction as the document facts, so the figure reads a few thousand counter rows instead of
 * scanning millions of facts. Weeks and months are sums of days.
 */
@Entity({ name: 'document_counts' })
export class DocumentCountEntity {
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_document_counts', type: 'date' })
  day!: string;

  /** '' while the patient's record opening has not been seen. */
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_document_counts', name: 'cpam_code', type: 'varchar', length: 3 })
  cpamCode!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_document_counts', name: 'source_category', type: 'text' })
  sourceCategory!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_document_counts', type: 'text' })
  type!: string;

  /** Which of the COUNTER_SLOTS rows of the key a transaction increments; figures sum over slots. */
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_document_counts', type: 'smallint' })
  slot!: number;

  @Column({ type: 'bigint', default: 0 })
  added!: string;

  @Column({ type: 'bigint', default: 0 })
  replaced!: string;
}
