import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The next offset of each partition the ops consumer has applied, written in the same
 * transaction as the counts: a message at an offset below it was counted already (a redelivery
 * after a rebalance or a crash), which is what makes the dead-letter counts exact.
 */
@Entity({ name: 'ops_consumer_offsets' })
export class OpsConsumerOffsetEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_ops_consumer_offsets' })
  topic!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'PK_ops_consumer_offsets' })
  partition!: number;

  @Column({ name: 'next_offset', type: 'bigint' })
  nextOffset!: string;
}
