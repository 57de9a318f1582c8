import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@dmp/platform';
import { ConsentConfig } from '../config';
import { PatientsModule } from '../patients/patients.module';
import { DocumentEventsHandler } from './document-events.handler';
import { NotificationQueue } from './notification-queue.service';
import { NotificationWakeUp } from './notification-wake-up';
import { NotificationWorker } from './notification-worker.service';
import { NotificationsController } from './notifications.controller';
import { LocalMailboxSender } from './senders/local-mailbox.sender';
import { NOTIFICATION_SENDERS, NotificationSender } from './senders/notification-sender';
import { SmtpSender } from './senders/smtp.sender';

/** The senders in force: SMTP for e-mail when configured, the local mailbox for everything else. */
export function sendersFromConfig(config: ConsentConfig): NotificationSender[] {
  const senders: NotificationSender[] = [];
  if (config.CONSENT_EMAIL_SENDER === 'smtp') {
    if (!config.CONSENT_SMTP_HOST) throw new Error('CONSENT_SMTP_HOST: required when CONSENT_EMAIL_SENDER=smtp');
    senders.push(new SmtpSender({ host: config.CONSENT_SMTP_HOST, port: config.CONSENT_SMTP_PORT, from: config.CONSENT_SMTP_FROM }));
  }
  senders.push(new LocalMailboxSender());
  return senders;
}

@Module({
  imports: [PatientsModule],
  controllers: [NotificationsController],
  providers: [
    NotificationQueue,
    NotificationWakeUp,
    NotificationWorker,
    DocumentEventsHandler,
    { provide: NOTIFICATION_SENDERS, inject: [SERVICE_CONFIG], useFactory: sendersFromConfig },
  ],
  exports: [NotificationQueue, NotificationWorker],
})
export class NotificationsModule {}
