import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One event waiting to be (or already) relayed to Kafka. Written in the same transaction as the
 * state change that caused it (`OutboxService.append`), so an event exists if and only if the
 * change committed.
 */
@Entity({ name: 'outbox_events' })
// The relay's only read: unpublished rows in id order. Partial, so it stays as small as the backlog.
@Index('outbox_events_unpublished_idx', ['id'], { where: 'published_at IS NULL' })
// The relay's purge of published rows kept for audit.
@Index('outbox_events_published_at_idx', ['publishedAt'])
export class OutboxEntity {
  // bigserial: the id IS the relay order (per key, a later transaction gets a larger id).
  @PrimaryGeneratedColumn('increment', {
    type: 'bigint',
    primaryKeyConstraintName: 'PK_outbox_events',
  })
  id!: string;

  @Column({ type: 'text' })
  topic!: string;

  // Kafka message key (the patient's INS where there is one); null = no ordering requirement.
  @Column({ type: 'text', nullable: true })
  key!: string | null;

  @Column({ type: 'jsonb' })
  headers!: Record<string, string>;

  // The whole envelope, sent as the Kafka message value (JSON). Null on a bundle row.
  @Column({ type: 'jsonb', nullable: true })
  payload!: Record<string, unknown> | null;

  // A bundle row (OutboxService.appendBundle) carries its events here instead of in payload,
  // one line each (see outbox-bundle.ts); the view outbox_messages shows them as plain rows.
  @Column({ type: 'text', nullable: true })
  messages!: string | null;

  // Kafka messages of the row: 1, or the events of a bundle. The relay sizes its batches with it.
  @Column({ name: 'message_count', type: 'integer', default: 1 })
  messageCount!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
