import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * "Who did it, and on which days of this month": one row per figure, Paris month and member (a
 * FINESS, an RPPS, an INS), the days as bits (bit i = day i + 1). A distinct count cannot be
 * summed from days, and rows per day, week, month and ever with their counters cost four writes
 * per member and event; one row per member and month keeps every day exactly, and weeks, months
 * and ever are counted when read from far fewer rows than one per day. A batch ORs its days into
 * the row, and an OR that adds nothing writes nothing: replays, redeliveries and any arrival
 * order leave the same rows, hence the same figures, without an inbox row per event.
 */
@Entity({ name: 'member_months' })
// For the CPAM resolution of patients who added a document before their record's opening was seen.
@Index('member_months_unresolved_idx', ['memberId'], { where: `"cpam_code" = ''` })
export class MemberMonthEntity {
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_member_months', type: 'text' })
  figure!: string;

  /** First day of the Paris month. */
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_member_months', type: 'date' })
  month!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_member_months', name: 'member_id', type: 'text' })
  memberId!: string;

  /** The breakdown: establishment category, profession; '' when none. */
  @Column({ type: 'text', default: '' })
  grp!: string;

  /** Patients only: their record's CPAM ('' until known); '-' for figures without a CPAM. */
  @Column({ name: 'cpam_code', type: 'varchar', length: 3, default: '-' })
  cpamCode!: string;

  /** The days of the month the member was seen, as bits: bit i is day i + 1. */
  @Column({ type: 'integer' })
  days!: number;
}
