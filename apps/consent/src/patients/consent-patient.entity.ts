import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ConsentState } from '@dmp/access-rules';
import type { NotificationChannel } from '@dmp/domain';

/**
 * What consent knows of one patient: the access-rules state (the same JSON documents and
 * reimbursements rebuild from the events), the record's status, contacts and notification
 * preferences. Keyed by INS (natural key: one record per person; every event is keyed by it).
 * Rows also exist for patients seen only through access events, with an `unknown` record.
 */
@Entity({ name: 'consent_patients' })
export class ConsentPatientEntity {
  @PrimaryColumn({ type: 'varchar', length: 15, primaryKeyConstraintName: 'PK_consent_patients' })
  ins!: string;

  /** Maintained only through applyConsentEvent, never edited field by field. */
  @Column({ type: 'jsonb' })
  state!: ConsentState;

  @Column({ name: 'record_status', type: 'varchar', length: 10 })
  recordStatus!: 'unknown' | 'open' | 'closed';

  /** Start of the ten-year retention of the trace (the purge job reads it). */
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  mobile!: string | null;

  @Column({ name: 'contacts_changed_at', type: 'timestamptz', nullable: true })
  contactsChangedAt!: Date | null;

  /** Where to notify; empty means in-app only. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  channels!: NotificationChannel[];

  @Column({ name: 'notify_on_new_document', type: 'boolean', default: false })
  notifyOnNewDocument!: boolean;

  @Column({ name: 'preferences_changed_at', type: 'timestamptz', nullable: true })
  preferencesChangedAt!: Date | null;

  /** INS of the legal representatives of a minor (from enrolment). */
  @Column({ name: 'legal_representatives', type: 'jsonb', default: () => "'[]'" })
  legalRepresentatives!: string[];

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
