// @dmp/contracts: the events between services. One folder per event (payload class, topic,
// schema version), the envelope, the Topics enum and the registry that drives parsing.
// class-transformer's @Type and Nest read decorator metadata through this polyfill; load it first.
import 'reflect-metadata';
export * from './topics';
export * from './registry';
export * from './envelope/event-envelope';
export * from './envelope/event-definition';
export * from './envelope/validate';
export { adopt, hydrate, isValidFast, isContractClass, validatesFast } from './envelope/fast-validation';
export * from './envelope/create-event';
export * from './envelope/parse-event';
export * from './common/validators';
export * from './common/references';
export * from './common/grantee';
export * from './common/document-metadata';

// enrolment
export * from './record-opened/record-opened.event';
export * from './record-closed/record-closed.event';
export * from './record-reactivated/record-reactivated.event';
export * from './dependant-attached/dependant-attached.event';
export * from './representative-changed/representative-changed.event';
export * from './contact-changed/contact-changed.event';
export * from './emergency-choices-changed/emergency-choices-changed.event';
export * from './identity-changed/identity-changed.event';
export * from './record-transferred-at-majority/record-transferred-at-majority.event';
// documents
export * from './document-submissions/document-submissions.event';
export * from './document-submissions/binary-submission';
export * from './document-submission-results/document-submission-results.event';
export * from './document-added/document-added.event';
export * from './document-replaced/document-replaced.event';
export * from './document-archived/document-archived.event';
export * from './document-deleted/document-deleted.event';
export * from './document-rejected/document-rejected.event';
export * from './document-visibility-changed/document-visibility-changed.event';
// access
export * from './accessed/accessed.event';
// consent
export * from './professional-authorised/professional-authorised.event';
export * from './authorisation-revoked/authorisation-revoked.event';
export * from './professional-blocked/professional-blocked.event';
export * from './professional-unblocked/professional-unblocked.event';
export * from './treating-physician-designated/treating-physician-designated.event';
export * from './emergency-preferences-changed/emergency-preferences-changed.event';
export * from './notification-preferences-changed/notification-preferences-changed.event';
export * from './emergency-access-started/emergency-access-started.event';
// notifications
export * from './notification-sent/notification-sent.event';
// reimbursements
export * from './backfill-requested/backfill-requested.event';
export * from './file-announced/file-announced.event';
export * from './file-imported/file-imported.event';
// operations
export * from './heartbeat/heartbeat.event';
