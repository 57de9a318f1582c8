import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NotificationSentEvent, createEvent } from '@dmp/contracts';
import { Ins, NotificationChannel, NotificationTrigger } from '@dmp/domain';
import { OutboxService } from '@dmp/messaging';
import { MetricsService } from '@dmp/observability';
import { SERVICE_CONFIG } from '@dmp/platform';
import { ConsentConfig } from '../config';
import { NOTIFICATION_SENDERS, NotificationSender, OutgoingNotification, PermanentDeliveryError } from './senders/notification-sender';
import { NotificationWakeUp } from './notification-wake-up';
import { returningRows } from '../database/returning';

interface ClaimedRow {
  id: string;
  ins: string;
  channel: NotificationChannel;
  trigger: string;
  dedup_key: string;
  recipient: string;
  subject: string;
  body: string;
  attempts: number;
}

/** Delay before the next attempt after `attempts` failures: exponential, capped, with jitter. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (0.75 + random() * 0.5));
}

/**
 * Sends queued notifications. Claims due rows with SKIP LOCKED (several instances share the
 * queue) and pushes their next attempt a lease ahead; then each one is delivered and marked sent
 * in one transaction that first re-checks it is still pending under a row lock (so two workers
 * never both deliver). A failure schedules a retry with backoff; after the last attempt the row
 * is `failed` (visible through the API, retriable). A process that dies mid-way leaves its rows
 * pending: they come back when the lease runs out.
 */
@Injectable()
export class NotificationWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationWorker.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private rerun = false;
  private readonly sent;
  private readonly failures;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly wakeUp: NotificationWakeUp,
    @Inject(NOTIFICATION_SENDERS) private readonly senders: NotificationSender[],
    @Inject(SERVICE_CONFIG) private readonly config: ConsentConfig,
    metrics: MetricsService,
  ) {
    this.sent = metrics.counter('consent_notifications_sent_total', 'Notifications delivered', ['channel', 'trigger']);
    this.failures = metrics.counter('consent_notification_failures_total', 'Failed notification attempts', ['channel']);
  }

  onApplicationBootstrap(): void {
    if (this.config.CONSENT_NOTIFICATION_WORKER) this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.wakeUp.onWake(() => this.kick());
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Runs rounds until the queue holds nothing due; returns how many were delivered. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const { claimed, delivered } = await this.runOnce();
      total += delivered;
      if (claimed === 0) return total;
    }
  }

  /** One round: claim a batch, deliver each. */
  async runOnce(): Promise<{ claimed: number; delivered: number }> {
    const rows = await this.claim();
    let delivered = 0;
    for (const row of rows) {
      if (await this.deliver(row)) delivered++;
    }
    return { claimed: rows.length, delivered };
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.loop().finally(() => {
        this.running = null;
        const again = this.rerun;
        this.rerun = false;
        this.schedule(again ? 0 : this.config.CONSENT_NOTIFICATION_POLL_MS);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopped) {
        const { claimed } = await this.runOnce();
        if (claimed < this.config.CONSENT_NOTIFICATION_BATCH) return;
      }
    } catch (error) {
      // The database may be restarting or the tables not migrated yet: the next poll retries.
      if (!this.stopped) this.logger.warn({ msg: 'notification round failed', error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async claim(): Promise<ClaimedRow[]> {
    const result: unknown = await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM notifications
         WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE notifications n
       SET attempts = n.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
       FROM due WHERE n.id = due.id
       RETURNING n.id, n.ins, n.channel, n.trigger, n.dedup_key, n.recipient, n.subject, n.body, n.attempts`,
      [this.config.CONSENT_NOTIFICATION_BATCH, this.config.CONSENT_NOTIFICATION_LEASE_MS],
    );
    return returningRows<ClaimedRow>(result);
  }

  private senderFor(channel: NotificationChannel): NotificationSender | undefined {
    return this.senders.find((sender) => sender.channels.includes(channel));
  }

  private async deliver(row: ClaimedRow): Promise<boolean> {
    const notification: OutgoingNotification = {
      id: row.id,
      ins: row.ins,
      channel: row.channel,
      trigger: row.trigger,
      dedupKey: row.dedup_key,
      recipient: row.recipient,
      subject: row.subject,
      body: row.body,
    };
    try {
      const sender = this.senderFor(row.channel);
      if (!sender) throw new Error(`no sender handles the ${row.channel} channel`);
      const done = await this.dataSource.transaction(async (manager) => {
        const [current] = (await manager.query(`SELECT status FROM notifications WHERE id = $1 FOR UPDATE`, [row.id])) as Array<{ status: string }>;
        if (current?.status !== 'pending') return false;
        await sender.deliver(notification, manager);
        await this.markSent(manager, notification);
        return true;
      });
      if (done) this.sent.inc({ channel: row.channel, trigger: row.trigger });
      return done;
    } catch (error) {
      await this.recordFailure(row, error instanceof Error ? error.message : String(error), error instanceof PermanentDeliveryError);
      return false;
    }
  }

  private async markSent(manager: EntityManager, notification: OutgoingNotification): Promise<void> {
    const [{ sent_at }] = returningRows<{ sent_at: Date }>(
      await manager.query(`UPDATE notifications SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1 RETURNING sent_at`, [notification.id]),
    );
    await this.outbox.append(
      manager,
      createEvent(
        NotificationSentEvent,
        {
          notificationId: notification.id,
          ins: notification.ins as Ins,
          trigger: notification.trigger as NotificationTrigger,
          channel: notification.channel,
          dedupKey: notification.dedupKey,
          sentAt: new Date(sent_at).toISOString(),
        },
        { producer: 'consent', correlationId: notification.dedupKey.slice(0, 200) },
      ),
    );
  }

  private async recordFailure(row: ClaimedRow, message: string, permanent: boolean): Promise<void> {
    this.failures.inc({ channel: row.channel });
    const last = permanent || row.attempts >= this.config.CONSENT_NOTIFICATION_MAX_ATTEMPTS;
    const delay = backoffMs(row.attempts, this.config.CONSENT_NOTIFICATION_BACKOFF_MS, this.config.CONSENT_NOTIFICATION_BACKOFF_MAX_MS);
    this.logger.warn({ msg: 'notification attempt failed', notificationId: row.id, attempts: row.attempts, final: last, error: message });
    await this.dataSource
      .query(
        `UPDATE notifications SET status = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
         WHERE id = $1 AND status = 'pending'`,
        [row.id, last ? 'failed' : 'pending', message.slice(0, 2000), delay],
      )
      .catch((error: unknown) => this.logger.warn({ msg: 'could not record a failed attempt', notificationId: row.id, error: String(error) }));
  }
}
