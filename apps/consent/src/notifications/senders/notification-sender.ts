import { EntityManager } from 'typeorm';
import { NotificationChannel } from '@dmp/domain';

/** What a sender receives: one queued notification for one channel. */
export interface OutgoingNotification {
  id: string;
  ins: string;
  channel: NotificationChannel;
  trigger: string;
  dedupKey: string;
  recipient: string;
  subject: string;
  body: string;
}

/**
 * A way to deliver notifications on some channels. `deliver` runs inside the transaction that
 * marks the notification sent:
 *  - a sender that writes to the service's own database (the local mailbox) uses `manager`, so
 *    delivery and status commit together: exactly once;
 *  - a sender that talks to the outside (SMTP, an SMS gateway) cannot join the transaction: if
 *    the process dies after the remote accepted and before the commit, the notification is sent
 *    again after the lease. It must therefore pass `id` on (Message-ID header, gateway
 *    idempotency key) so that the receiver can drop the duplicate.
 * Throwing marks the attempt failed; it is retried with backoff, unless the error is a
 * PermanentDeliveryError (the address does not exist...): then it is failed at once.
 */
export interface NotificationSender {
  readonly name: string;
  readonly channels: readonly NotificationChannel[];
  deliver(notification: OutgoingNotification, manager: EntityManager): Promise<void>;
}

/** Injection token: the list of senders; the first that handles a channel is used for it. */
export const NOTIFICATION_SENDERS = Symbol('NOTIFICATION_SENDERS');

/** A refusal that no retry will change (SMTP 5xx): the notification is marked failed at once. */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = PermanentDeliveryError.name;
  }
}
