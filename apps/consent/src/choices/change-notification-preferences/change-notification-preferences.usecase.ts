import { Injectable } from '@nestjs/common';
import { NotificationPreferencesChangedEvent, createEvent } from '@dmp/contracts';
import { Ins, NotificationChannel } from '@dmp/domain';
import { ChoiceRecorder } from '../choice-recorder.service';
import { ConsentErrorCode, ConsentException } from '../../patients/consent.exception';
import { ConsentView } from '../../patients/consent-view';
import { actorRef } from '@dmp/auth';
import { eventOptions } from '../event-options';
import { ChangeNotificationPreferencesCommand } from './change-notification-preferences.command';

/** Where and about what the patient wants to be told; a channel needs its contact (e-mail, mobile). */
@Injectable()
export class ChangeNotificationPreferencesUseCase {
  constructor(private readonly recorder: ChoiceRecorder) {}

  execute(command: ChangeNotificationPreferencesCommand): Promise<ConsentView> {
    const changedAt = new Date();
    return this.recorder.record(
      command,
      (patient) => {
        const email = command.contacts ? command.contacts.email : patient.email ?? undefined;
        const mobile = command.contacts ? command.contacts.mobile : patient.mobile ?? undefined;
        if (command.channels.includes(NotificationChannel.EMAIL) && !email) {
          throw new ConsentException(ConsentErrorCode.CONTACT_MISSING, 'the email channel needs an e-mail address', [{ field: 'contacts.email', reason: 'required for the email channel' }]);
        }
        if (command.channels.includes(NotificationChannel.SMS) && !mobile) {
          throw new ConsentException(ConsentErrorCode.CONTACT_MISSING, 'the sms channel needs a mobile number', [{ field: 'contacts.mobile', reason: 'required for the sms channel' }]);
        }
        const contacts = command.contacts && (command.contacts.email || command.contacts.mobile) ? { email: command.contacts.email, mobile: command.contacts.mobile } : undefined;
        return [
          createEvent(
            NotificationPreferencesChangedEvent,
            { ins: command.ins as Ins, channels: command.channels, notifyOnNewDocument: command.notifyOnNewDocument, contacts, by: actorRef(command.actor), changedAt: changedAt.toISOString() },
            eventOptions(command),
          ),
        ];
      },
      (patient) => {
        patient.channels = command.channels;
        patient.notifyOnNewDocument = command.notifyOnNewDocument;
        patient.preferencesChangedAt = changedAt;
        if (command.contacts) {
          patient.email = command.contacts.email ?? null;
          patient.mobile = command.contacts.mobile ?? null;
          patient.contactsChangedAt = changedAt;
        }
      },
    );
  }
}
