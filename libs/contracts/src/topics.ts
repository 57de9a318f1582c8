/**
 * Kafka topic names, `dmp.<domain>.<event>.v<major>`.
 *
 * These are PERSISTED names: they live in the broker, in consumer-group offsets and in every
 * service's outbox and inbox rows. Renaming one loses messages and offsets. A breaking change to
 * an event gets a new topic (`.v2`) produced alongside the old one until every consumer has
 * moved, with a written migration plan; additive changes keep the topic and raise the event's
 * schemaVersion.
 */
export enum Topics {
  // enrolment (producer: enrolment; key: the patient's INS)
  RECORD_OPENED = 'dmp.enrolment.record-opened.v1',
  RECORD_CLOSED = 'dmp.enrolment.record-closed.v1',
  RECORD_REACTIVATED = 'dmp.enrolment.record-reactivated.v1',
  DEPENDANT_ATTACHED = 'dmp.enrolment.dependant-attached.v1',
  REPRESENTATIVE_CHANGED = 'dmp.enrolment.representative-changed.v1',
  CONTACT_CHANGED = 'dmp.enrolment.contact-changed.v1',
  EMERGENCY_CHOICES_CHANGED = 'dmp.enrolment.emergency-choices-changed.v1',
  IDENTITY_CHANGED = 'dmp.enrolment.identity-changed.v1',
  RECORD_TRANSFERRED_AT_MAJORITY = 'dmp.enrolment.record-transferred-at-majority.v1',

  // documents: inbound submissions (establishments produce; key: establishment FINESS) and their
  // results (documents produces; key: submissionId), then the documents' lifecycle (key: INS)
  DOCUMENT_SUBMISSIONS = 'dmp.documents.submissions.v1',
  DOCUMENT_SUBMISSION_RESULTS = 'dmp.documents.submission-results.v1',
  DOCUMENT_ADDED = 'dmp.documents.document-added.v1',
  DOCUMENT_REPLACED = 'dmp.documents.document-replaced.v1',
  DOCUMENT_ARCHIVED = 'dmp.documents.document-archived.v1',
  DOCUMENT_DELETED = 'dmp.documents.document-deleted.v1',
  DOCUMENT_REJECTED = 'dmp.documents.document-rejected.v1',
  DOCUMENT_VISIBILITY_CHANGED = 'dmp.documents.document-visibility-changed.v1',

  // access (producers: documents and reimbursements; key: INS)
  ACCESSED = 'dmp.access.accessed.v1',

  // consent (producer: consent; key: INS)
  PROFESSIONAL_AUTHORISED = 'dmp.consent.professional-authorised.v1',
  AUTHORISATION_REVOKED = 'dmp.consent.authorisation-revoked.v1',
  PROFESSIONAL_BLOCKED = 'dmp.consent.professional-blocked.v1',
  PROFESSIONAL_UNBLOCKED = 'dmp.consent.professional-unblocked.v1',
  TREATING_PHYSICIAN_DESIGNATED = 'dmp.consent.treating-physician-designated.v1',
  EMERGENCY_PREFERENCES_CHANGED = 'dmp.consent.emergency-preferences-changed.v1',
  NOTIFICATION_PREFERENCES_CHANGED = 'dmp.consent.notification-preferences-changed.v1',
  EMERGENCY_ACCESS_STARTED = 'dmp.consent.emergency-access-started.v1',

  // notifications (producer: consent; key: INS)
  NOTIFICATION_SENT = 'dmp.notifications.notification-sent.v1',

  // reimbursements: backfill requests to the insurer's pipeline (key: INS), file announcements
  // from it (inbound control topic; key: fileId) and import summaries (key: fileId)
  BACKFILL_REQUESTS = 'dmp.reimbursements.backfill-requests.v1',
  FILE_ANNOUNCEMENTS = 'dmp.reimbursements.file-announcements.v1',
  FILE_IMPORTED = 'dmp.reimbursements.file-imported.v1',

  // operations (every service; key: service name)
  HEARTBEAT = 'dmp.ops.heartbeat.v1',

  /**
   * Poison messages and handlers that kept failing. Its messages are the ORIGINAL key and value
   * (not an envelope); the headers in DeadLetterHeaders say why and where from.
   */
  DEAD_LETTER = 'dmp.dead-letter.v1',
}

/** Topics that carry an EventEnvelope (everything except the dead-letter topic). */
export type EventTopic = Exclude<Topics, Topics.DEAD_LETTER>;

/** Kafka headers of every event message (the value is the JSON envelope). */
export enum EventHeaders {
  EVENT_TYPE = 'event-type',
  SCHEMA_VERSION = 'schema-version',
  CORRELATION_ID = 'correlation-id',
}

/** Kafka headers of a dead-letter message. */
export enum DeadLetterHeaders {
  REASON = 'dlq-reason',
  ORIGINAL_TOPIC = 'dlq-original-topic',
  ORIGINAL_PARTITION = 'dlq-original-partition',
  ORIGINAL_OFFSET = 'dlq-original-offset',
}
