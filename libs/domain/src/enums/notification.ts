export enum NotificationChannel {
  EMAIL = 'email',
  SMS = 'sms',
  IN_APP = 'in-app',
}

/** What caused a notification; with the trigger's own id it forms the dedup key. */
export enum NotificationTrigger {
  RECORD_OPENED = 'record-opened',
  FIRST_ACCESS = 'first-access',
  EMERGENCY_ACCESS = 'emergency-access',
  NEW_DOCUMENT = 'new-document',
}
