import { NotificationChannel, NotificationTrigger } from '@dmp/domain';

/** One reason to tell a patient something; its dedup key makes it happen once. */
export interface NotificationRequest {
  ins: string;
  trigger: NotificationTrigger;
  dedupKey: string;
  subject: string;
  body: string;
}

/** Exactly once per (patient, professional), for the life of the record. */
export function firstAccessKey(ins: string, accessorRole: string, accessorId: string): string {
  return accessorRole === 'professional' ? `first-access:${ins}:${accessorId}` : `first-access:${ins}:${accessorRole}:${accessorId}`;
}

export function emergencyAccessKey(accessId: string): string {
  return `emergency-access:${accessId}`;
}

export function recordOpenedKey(ins: string, openedAt: string): string {
  return `record-opened:${ins}:${openedAt}`;
}

export function newDocumentKey(documentId: string, version: number): string {
  return `new-document:${documentId}:${version}`;
}

const accessorLabel = (role: string, id: string, profession?: string | null): string =>
  role === 'professional' ? `a ${profession ?? 'health professional'} (RPPS ${id})` : `an establishment (FINESS ${id})`;

export function welcomeNotification(ins: string, openedAt: string): NotificationRequest {
  return {
    ins,
    trigger: NotificationTrigger.RECORD_OPENED,
    dedupKey: recordOpenedKey(ins, openedAt),
    subject: 'Your shared medical record (DMP) is open',
    body: `Your DMP was opened on ${openedAt}. You decide who may read it: authorise or block professionals, mask documents, and see every access in your trace.`,
  };
}

export function firstAccessNotification(ins: string, accessorRole: string, accessorId: string, profession: string | null, at: string): NotificationRequest {
  return {
    ins,
    trigger: NotificationTrigger.FIRST_ACCESS,
    dedupKey: firstAccessKey(ins, accessorRole, accessorId),
    subject: 'A professional read your DMP for the first time',
    body: `On ${at}, ${accessorLabel(accessorRole, accessorId, profession)} accessed your DMP for the first time. Your access trace lists every access.`,
  };
}

export function emergencyAccessNotification(ins: string, accessId: string, accessorRole: string, accessorId: string, profession: string | null, mode: string, reason: string | null, at: string): NotificationRequest {
  const how = mode === 'samu-regulation' ? 'by SAMU regulation' : 'in an emergency ("bris de glace")';
  return {
    ins,
    trigger: NotificationTrigger.EMERGENCY_ACCESS,
    dedupKey: emergencyAccessKey(accessId),
    subject: 'Emergency access to your DMP',
    body: `On ${at}, ${accessorLabel(accessorRole, accessorId, profession)} accessed your DMP ${how}. Stated reason: ${reason ?? 'none given'}.`,
  };
}

export function newDocumentNotification(ins: string, documentId: string, version: number, title: string, addedAt: string): NotificationRequest {
  return {
    ins,
    trigger: NotificationTrigger.NEW_DOCUMENT,
    dedupKey: newDocumentKey(documentId, version),
    subject: 'A new document in your DMP',
    body: `"${title}" was added to your DMP on ${addedAt}.`,
  };
}

export interface Delivery {
  channel: NotificationChannel;
  recipient: string;
}

/**
 * Where a notification goes: each preferred channel that has a contact; in-app (to the INS)
 * when no channel is chosen or none is reachable, so a notification is never dropped.
 */
export function deliveriesFor(
  ins: string,
  patient: { channels: NotificationChannel[]; email: string | null; mobile: string | null } | undefined,
): Delivery[] {
  const deliveries: Delivery[] = [];
  for (const channel of patient?.channels ?? []) {
    if (channel === NotificationChannel.EMAIL && patient?.email) deliveries.push({ channel, recipient: patient.email });
    else if (channel === NotificationChannel.SMS && patient?.mobile) deliveries.push({ channel, recipient: patient.mobile });
    else if (channel === NotificationChannel.IN_APP) deliveries.push({ channel, recipient: ins });
  }
  return deliveries.length > 0 ? deliveries : [{ channel: NotificationChannel.IN_APP, recipient: ins }];
}
