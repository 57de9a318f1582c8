import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row per import of an insurer file (one file-imported summary each; a file imported again
 * has another completion time). A few thousand rows a year: the figure is a query over them.
 */
@Entity({ name: 'reimbursement_file_facts' })
export class ReimbursementFileFactEntity {
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_reimbursement_file_facts', name: 'file_id', type: 'varchar', length: 128 })
  fileId!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_reimbursement_file_facts', name: 'completed_at', type: 'timestamptz' })
  completedAt!: Date;

  @Column({ type: 'date' })
  day!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ name: 'lines_read', type: 'int' })
  linesRead!: number;

  @Column({ name: 'lines_imported', type: 'int' })
  linesImported!: number;

  @Column({ name: 'lines_duplicate', type: 'int' })
  linesDuplicate!: number;

  @Column({ name: 'lines_rejected', type: 'int' })
  linesRejected!: number;

  @Column({ name: 'lines_unknown_patient', type: 'int' })
  linesUnknownPatient!: number;

  @Column({ name: 'lines_out_of_window', type: 'int' })
  linesOutOfWindow!: number;
}
