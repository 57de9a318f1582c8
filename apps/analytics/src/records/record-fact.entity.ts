import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One row per DMP, keyed by the patient's INS: one DMP per person, so replaying the enrolment
 * topics upserts the same rows and the figures, computed from these rows, stay the same.
 * Columns are nullable because a closure may arrive before the opening it follows.
 */
@Entity({ name: 'record_facts' })
export class RecordFactEntity {
  @PrimaryColumn({ type: 'char', length: 15 })
  ins!: string;

  @Column({ type: 'text', nullable: true })
  channel!: string | null;

  // For the coverage-per-CPAM figure.
  @Index('record_facts_cpam_code_idx')
  @Column({ name: 'cpam_code', type: 'char', length: 3, nullable: true })
  cpamCode!: string | null;

  @Column({ name: 'opener_role', type: 'text', nullable: true })
  openerRole!: string | null;

  @Column({ name: 'opener_id', type: 'text', nullable: true })
  openerId!: string | null;

  // For the openings-per-period figures.
  @Index('record_facts_opened_at_idx')
  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true })
  openedAt!: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  /** When the latest closure or reactivation took effect: later events win, whatever their arrival order. */
  @Column({ name: 'status_changed_at', type: 'timestamptz', nullable: true })
  statusChangedAt!: Date | null;
}
