import { ConsentPatientEntity } from '../patients/consent-patient.entity';
import { AccessTraceEntity } from '../trace/access-trace.entity';
import { NotificationEntity } from '../notifications/notification.entity';
import { MailboxMessageEntity } from '../notifications/mailbox-message.entity';

export const consentEntities = [ConsentPatientEntity, AccessTraceEntity, NotificationEntity, MailboxMessageEntity];
