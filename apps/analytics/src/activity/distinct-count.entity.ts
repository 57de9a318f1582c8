import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Counts of distinct_members, kept in the same transaction as the member rows they count. */
@Entity({ name: 'distinct_counts' })
export class DistinctCountEntity {
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_distinct_counts', type: 'text' })
  figure!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_distinct_counts', type: 'char', length: 1 })
  granularity!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_distinct_counts', type: 'date' })
  period!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_distinct_counts', type: 'text' })
  grp!: string;

  @PrimaryColumn({ primaryKeyConstraintName: 'PK_distinct_counts', name: 'cpam_code', type: 'varchar', length: 3 })
  cpamCode!: string;

  /** Which of the COUNTER_SLOTS rows of the key a transaction increments; figures sum over slots. */
  @PrimaryColumn({ primaryKeyConstraintName: 'PK_distinct_counts', type: 'smallint' })
  slot!: number;

  @Column({ type: 'bigint', default: 0 })
  members!: string;
}
