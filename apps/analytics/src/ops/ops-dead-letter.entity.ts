import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Dead letters counted by the topic they came from and the general form of their reason. */
@Entity({ name: 'ops_dead_letters' })
export class OpsDeadLetterEntity {
  @PrimaryColumn({ name: 'source_topic', type: 'text', primaryKeyConstraintName: 'PK_ops_dead_letters' })
  sourceTopic!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_ops_dead_letters' })
  reason!: string;

  @Column({ type: 'bigint' })
  count!: string;

  @Column({ name: 'last_at', type: 'timestamptz' })
  lastAt!: Date;
}
