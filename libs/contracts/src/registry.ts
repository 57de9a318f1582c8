import { AccessedEvent } from './accessed/accessed.event';
import { AuthorisationRevokedEvent } from './authorisation-revoked/authorisation-revoked.event';
import { BackfillRequestedEvent } from './backfill-requested/backfill-requested.event';
import { ContactChangedEvent } from './contact-changed/contact-changed.event';
import { DependantAttachedEvent } from './dependant-attached/dependant-attached.event';
import { DocumentAddedEvent } from './document-added/document-added.event';
import { DocumentArchivedEvent } from './document-archived/document-archived.event';
import { DocumentDeletedEvent } from './document-deleted/document-deleted.event';
import { DocumentRejectedEvent } from './document-rejected/document-rejected.event';
import { DocumentReplacedEvent } from './document-replaced/document-replaced.event';
import { DocumentSubmissionResultsEvent } from './document-submission-results/document-submission-results.event';
import { DocumentSubmissionEvent } from './document-submissions/document-submissions.event';
import { DocumentVisibilityChangedEvent } from './document-visibility-changed/document-visibility-changed.event';
import { EmergencyAccessStartedEvent } from './emergency-access-started/emergency-access-started.event';
import { EmergencyChoicesChangedEvent } from './emergency-choices-changed/emergency-choices-changed.event';
import { EmergencyPreferencesChangedEvent } from './emergency-preferences-changed/emergency-preferences-changed.event';
import { EventDefinition } from './envelope/event-definition';
import { FileAnnouncedEvent } from './file-announced/file-announced.event';
import { FileImportedEvent } from './file-imported/file-imported.event';
import { HeartbeatEvent } from './heartbeat/heartbeat.event';
import { IdentityChangedEvent } from './identity-changed/identity-changed.event';
import { NotificationPreferencesChangedEvent } from './notification-preferences-changed/notification-preferences-changed.event';
import { NotificationSentEvent } from './notification-sent/notification-sent.event';
import { ProfessionalAuthorisedEvent } from './professional-authorised/professional-authorised.event';
import { ProfessionalBlockedEvent } from './professional-blocked/professional-blocked.event';
import { ProfessionalUnblockedEvent } from './professional-unblocked/professional-unblocked.event';
import { RecordClosedEvent } from './record-closed/record-closed.event';
import { RecordOpenedEvent } from './record-opened/record-opened.event';
import { RecordReactivatedEvent } from './record-reactivated/record-reactivated.event';
import { RecordTransferredAtMajorityEvent } from './record-transferred-at-majority/record-transferred-at-majority.event';
import { RepresentativeChangedEvent } from './representative-changed/representative-changed.event';
import { TreatingPhysicianDesignatedEvent } from './treating-physician-designated/treating-physician-designated.event';
import { EventTopic, Topics } from './topics';

/** Every event topic and its definition; parseEvent and the messaging library are driven by it. */
export const eventDefinitions = {
  [Topics.RECORD_OPENED]: RecordOpenedEvent,
  [Topics.RECORD_CLOSED]: RecordClosedEvent,
  [Topics.RECORD_REACTIVATED]: RecordReactivatedEvent,
  [Topics.DEPENDANT_ATTACHED]: DependantAttachedEvent,
  [Topics.REPRESENTATIVE_CHANGED]: RepresentativeChangedEvent,
  [Topics.CONTACT_CHANGED]: ContactChangedEvent,
  [Topics.EMERGENCY_CHOICES_CHANGED]: EmergencyChoicesChangedEvent,
  [Topics.IDENTITY_CHANGED]: IdentityChangedEvent,
  [Topics.RECORD_TRANSFERRED_AT_MAJORITY]: RecordTransferredAtMajorityEvent,
  [Topics.DOCUMENT_SUBMISSIONS]: DocumentSubmissionEvent,
  [Topics.DOCUMENT_SUBMISSION_RESULTS]: DocumentSubmissionResultsEvent,
  [Topics.DOCUMENT_ADDED]: DocumentAddedEvent,
  [Topics.DOCUMENT_REPLACED]: DocumentReplacedEvent,
  [Topics.DOCUMENT_ARCHIVED]: DocumentArchivedEvent,
  [Topics.DOCUMENT_DELETED]: DocumentDeletedEvent,
  [Topics.DOCUMENT_REJECTED]: DocumentRejectedEvent,
  [Topics.DOCUMENT_VISIBILITY_CHANGED]: DocumentVisibilityChangedEvent,
  [Topics.ACCESSED]: AccessedEvent,
  [Topics.PROFESSIONAL_AUTHORISED]: ProfessionalAuthorisedEvent,
  [Topics.AUTHORISATION_REVOKED]: AuthorisationRevokedEvent,
  [Topics.PROFESSIONAL_BLOCKED]: ProfessionalBlockedEvent,
  [Topics.PROFESSIONAL_UNBLOCKED]: ProfessionalUnblockedEvent,
  [Topics.TREATING_PHYSICIAN_DESIGNATED]: TreatingPhysicianDesignatedEvent,
  [Topics.EMERGENCY_PREFERENCES_CHANGED]: EmergencyPreferencesChangedEvent,
  [Topics.NOTIFICATION_PREFERENCES_CHANGED]: NotificationPreferencesChangedEvent,
  [Topics.EMERGENCY_ACCESS_STARTED]: EmergencyAccessStartedEvent,
  [Topics.NOTIFICATION_SENT]: NotificationSentEvent,
  [Topics.BACKFILL_REQUESTS]: BackfillRequestedEvent,
  [Topics.FILE_ANNOUNCEMENTS]: FileAnnouncedEvent,
  [Topics.FILE_IMPORTED]: FileImportedEvent,
  [Topics.HEARTBEAT]: HeartbeatEvent,
} as const satisfies Record<EventTopic, EventDefinition<object>>;

export type EventDefinitions = typeof eventDefinitions;

/** The payload class instance type of a topic: PayloadOf<Topics.RECORD_OPENED> is RecordOpenedPayload. */
export type PayloadOf<T extends EventTopic> = EventDefinitions[T] extends EventDefinition<infer P> ? P : never;

export function isEventTopic(topic: string): topic is EventTopic {
  return Object.prototype.hasOwnProperty.call(eventDefinitions, topic);
}

/** Every topic the suite uses, event topics and the dead-letter topic (for topic creation). */
export const allTopics: readonly Topics[] = Object.values(Topics);
