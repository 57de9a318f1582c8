import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type NotificationStatus = 'pending' | 'sent' | 'failed';

/**
 * The notification queue (an outbox of messages to people). A trigger inserts one row per
 * channel; the unique (dedup_key, channel) makes a replayed trigger a no-op, which is what
 * "exactly once in effect" rests on. The sender worker claims due rows with SKIP LOCKED and a
 * lease (next_attempt_at pushed ahead), so a worker that dies leaves them to be claimed again.
 */
@Entity({ name: 'notifications' })
@Index('notifications_dedup_key_channel_key', ['dedupKey', 'channel'], { unique: true })
// The worker's claim query: due pending rows in order.
@Index('notifications_due_idx', ['nextAttemptAt'], { where: "status = 'pending'" })
// The patient's notification list.
@Index('notifications_ins_created_at_idx', ['ins', 'createdAt'])
export class NotificationEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_notifications' })
  id!: string;

  /** `first-access:<ins>:<rpps>`, `emergency-access:<accessId>`, `record-opened:<ins>`, `new-document:<documentId>`. */
  @Column({ name: 'dedup_key', type: 'varchar', length: 200 })
  dedupKey!: string;

  @Column({ type: 'varchar', length: 16 })
  channel!: string;

  @Column({ type: 'varchar', length: 15 })
  ins!: string;

  @Column({ type: 'varchar', length: 32 })
  trigger!: string;

  /** E-mail address, E.164 mobile, or the INS for in-app. */
  @Column({ type: 'varchar', length: 254 })
  recipient!: string;

  @Column({ type: 'varchar', length: 200 })
  subject!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: NotificationStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}
