import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ConsentState } from '@dmp/access-rules';

/**
 * What this service knows of a patient, from enrolment and consent events only (no call to
 * those services): the record's status and the consent state access decisions need.
 */
@Entity({ name: 'document_patients' })
export class PatientEntity {
  @PrimaryColumn({ type: 'varchar', length: 15, primaryKeyConstraintName: 'PK_document_patients' })
  ins!: string;

  /** unknown (no opening seen yet), open or closed: a copy of consentState.record.status for SQL. */
  @Column({ name: 'record_status', type: 'varchar', length: 10 })
  recordStatus!: string;

  @Column({ name: 'consent_state', type: 'jsonb' })
  consentState!: ConsentState;

  /** Legal representatives known from enrolment (the reducer does not keep them). */
  @Column({ name: 'legal_representatives', type: 'jsonb', default: () => "'[]'" })
  legalRepresentatives!: string[];

  /** When the list above was last set (last writer wins: a late older event changes nothing). */
  @Column({ name: 'legal_representatives_changed_at', type: 'timestamptz', nullable: true })
  legalRepresentativesChangedAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
