import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The embedded default delivery: a local mailbox (e-mail, SMS and in-app alike) listed by the
 * API, so the suite notifies without any external server. Keyed by the notification id: a
 * delivery repeated after a crash inserts nothing.
 */
@Entity({ name: 'mailbox_messages' })
@Index('mailbox_messages_ins_delivered_at_idx', ['ins', 'deliveredAt'])
@Index('mailbox_messages_recipient_idx', ['recipient'])
export class MailboxMessageEntity {
  @PrimaryColumn({ name: 'notification_id', type: 'uuid', primaryKeyConstraintName: 'PK_mailbox_messages' })
  notificationId!: string;

  @Column({ type: 'varchar', length: 15 })
  ins!: string;

  @Column({ type: 'varchar', length: 16 })
  channel!: string;

  @Column({ type: 'varchar', length: 254 })
  recipient!: string;

  @Column({ type: 'varchar', length: 200 })
  subject!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ name: 'delivered_at', type: 'timestamptz', default: () => 'now()' })
  deliveredAt!: Date;
}
