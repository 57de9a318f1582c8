import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * "Who did it at least once in this period": one row per figure, granularity, period and member
 * (a FINESS, an RPPS, an INS). A distinct count cannot be summed from days into weeks, so each
 * member is recorded once per day, week, month and ever; inserting is a no-op when the row
 * exists, which makes replays, redeliveries and any arrival order give the same counts.
 */
@Entity({ name: 'distinct_members' })
// For the CPAM resolution of patients who added a document before their record's opening was seen.
@Index('distinct_members_unresolved_idx', ['memberId'], { where: `"cpam_code" = ''` })
export class DistinctMemberEntity {
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_distinct_members', type: 'text' })
  figure!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_distinct_members', type: 'char', length: 1 })
  granularity!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_distinct_members', type: 'date' })
  period!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_distinct_members', name: 'member_id', type: 'text' })
  memberId!: string;

  /** The breakdown: establishment category, profession; '' when none. */
  @Column({ type: 'text', default: '' })
  grp!: string;

  /** Patients only: their record's CPAM ('' until known); '-' for figures without a CPAM. */
  @Column({ name: 'cpam_code', type: 'varchar', length: 3, default: '-' })
  cpamCode!: string;
}
