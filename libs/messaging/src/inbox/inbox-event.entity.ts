import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One event a consumer group has handled. Inserted in the same transaction as the handler's
 * effect: a redelivered event finds its row and is skipped, so redelivery is a no-op.
 */
@Entity({ name: 'inbox_events' })
// The retention purge (`MessagingModuleOptions.consumer.inboxRetentionMs`).
@Index('inbox_events_handled_at_idx', ['handledAt'])
export class InboxEntity {
  @PrimaryColumn({
    name: 'consumer_group',
    type: 'text',
    primaryKeyConstraintName: 'PK_inbox_events',
  })
  consumerGroup!: string;

  // The envelope's eventId (uuid v4 minted by the producer): the natural deduplication key.
  @PrimaryColumn({ name: 'event_id', type: 'uuid', primaryKeyConstraintName: 'PK_inbox_events' })
  eventId!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'integer' })
  partition!: number;

  @Column({ type: 'bigint' })
  offset!: string;

  @Column({ name: 'handled_at', type: 'timestamptz', default: () => 'now()' })
  handledAt!: Date;
}
