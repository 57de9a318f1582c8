import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Consumer lag per group, topic and partition, as last measured by whichever analytics
 * instance held the poll lock: every instance serves the same figures from here.
 */
@Entity({ name: 'ops_consumer_lag' })
export class OpsConsumerLagEntity {
  @PrimaryColumn({ name: 'group_id', type: 'text', primaryKeyConstraintName: 'PK_ops_consumer_lag' })
  groupId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_ops_consumer_lag' })
  topic!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'PK_ops_consumer_lag' })
  partition!: number;

  @Column({ name: 'committed_offset', type: 'bigint', nullable: true })
  committedOffset!: string | null;

  @Column({ name: 'end_offset', type: 'bigint' })
  endOffset!: string;

  @Column({ type: 'bigint' })
  lag!: string;

  @Column({ name: 'measured_at', type: 'timestamptz' })
  measuredAt!: Date;
}
