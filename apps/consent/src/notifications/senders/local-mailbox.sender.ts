import { EntityManager } from 'typeorm';
import { NotificationChannel } from '@dmp/domain';
import { NotificationSender, OutgoingNotification } from './notification-sender';

/**
 * The embedded default for every channel: writes the message to the mailbox_messages table
 * (listed by GET /patients/:ins/mailbox and GET /mailbox), in the transaction that marks the
 * notification sent. The notification id is the key: a repeated delivery inserts nothing.
 */
export class LocalMailboxSender implements NotificationSender {
  readonly name = 'local-mailbox';
  readonly channels = [NotificationChannel.EMAIL, NotificationChannel.SMS, NotificationChannel.IN_APP] as const;

  async deliver(notification: OutgoingNotification, manager: EntityManager): Promise<void> {
    await manager.query(
      `INSERT INTO mailbox_messages (notification_id, ins, channel, recipient, subject, body) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (notification_id) DO NOTHING`,
      [notification.id, notification.ins, notification.channel, notification.recipient, notification.subject, notification.body],
    );
  }
}
