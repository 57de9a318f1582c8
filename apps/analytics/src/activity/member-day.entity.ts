import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * "Who did it on this day": one row per figure, Paris day and member (a FINESS, an RPPS, an INS).
 * A distinct count cannot be summed from days, so weeks, months and "ever" are counted when read
 * (COUNT(DISTINCT member_id) over the days of the period); a member is written once per day
 * only. Inserting an existing row is a no-op, so replays, redeliveries and any arrival order
 * leave the same rows, hence the same figures, without an inbox row per event.
 */
@Entity({ name: 'member_days' })
// For the CPAM resolution of patients who added a document before their record's opening was seen.
@Index('member_days_unresolved_idx', ['memberId'], { where: `"cpam_code" = ''` })
export class MemberDayEntity {
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_member_days', type: 'text' })
  figure!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_member_days', type: 'date' })
  day!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_member_days', name: 'member_id', type: 'text' })
  memberId!: string;

  /** The breakdown: establishment category, profession; '' when none. */
  @Column({ type: 'text', default: '' })
  grp!: string;

  /** Patients only: their record's CPAM ('' until known); '-' for figures without a CPAM. */
  @Column({ name: 'cpam_code', type: 'varchar', length: 3, default: '-' })
  cpamCode!: string;
}
