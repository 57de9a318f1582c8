import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DependantAttachedPayload, EventEnvelope, RecordOpenedPayload, RecordTransferredAtMajorityPayload, RepresentativeChangedPayload, Topics } from '@dmp/contracts';
import { HandleEvent } from '@dmp/messaging';
import { ParkedSubmission } from '../submissions/filing';
import { SubmissionPipeline } from '../submissions/submission-pipeline.service';
import { PatientsStore } from './patients.store';

interface PatientEvent {
  ins: string;
}

/**
 * The local read model of records and consent, fed by enrolment and consent events (no call to
 * those services). When a record's status becomes known, the documents parked for it are filed
 * (open) or refused (closed) in the same transaction.
 */
@Injectable()
export class RecordEventsHandler {
  constructor(
    private readonly patients: PatientsStore,
    private readonly pipeline: SubmissionPipeline,
  ) {}

  @HandleEvent(Topics.RECORD_OPENED)
  async recordOpened(envelope: EventEnvelope<RecordOpenedPayload>, manager: EntityManager): Promise<void> {
    const { ins, legalRepresentatives, openedAt } = envelope.payload;
    const view = await this.patients.apply(manager, envelope, ins, { change: 'set', list: legalRepresentatives.map((r) => r.ins), at: openedAt });
    if (view.recordStatus !== 'unknown') await this.releaseParked(manager, view.ins);
  }

  // The legal-representative checks on reads use the representatives enrolment says are current.
  @HandleEvent(Topics.REPRESENTATIVE_CHANGED)
  async representativeChanged(envelope: EventEnvelope<RepresentativeChangedPayload>, manager: EntityManager): Promise<void> {
    const { ins, legalRepresentatives, changedAt } = envelope.payload;
    await this.patients.apply(manager, envelope, ins, { change: 'set', list: legalRepresentatives.map((r) => r.ins), at: changedAt });
  }

  @HandleEvent(Topics.DEPENDANT_ATTACHED)
  async dependantAttached(envelope: EventEnvelope<DependantAttachedPayload>, manager: EntityManager): Promise<void> {
    const { ins, representative, attachedAt } = envelope.payload;
    await this.patients.apply(manager, envelope, ins, { change: 'add', list: [representative.ins], at: attachedAt });
  }

  /** Of age: the former representatives lose their rights on the record. */
  @HandleEvent(Topics.RECORD_TRANSFERRED_AT_MAJORITY)
  async transferredAtMajority(envelope: EventEnvelope<RecordTransferredAtMajorityPayload>, manager: EntityManager): Promise<void> {
    await this.patients.apply(manager, envelope, envelope.payload.ins, { change: 'set', list: [], at: envelope.payload.transferredAt });
  }

  @HandleEvent(Topics.RECORD_CLOSED)
  async recordClosed(envelope: EventEnvelope<PatientEvent>, manager: EntityManager): Promise<void> {
    const view = await this.patients.apply(manager, envelope, envelope.payload.ins);
    if (view.recordStatus !== 'unknown') await this.releaseParked(manager, view.ins);
  }

  @HandleEvent(Topics.RECORD_REACTIVATED)
  async recordReactivated(envelope: EventEnvelope<PatientEvent>, manager: EntityManager): Promise<void> {
    const view = await this.patients.apply(manager, envelope, envelope.payload.ins);
    if (view.recordStatus !== 'unknown') await this.releaseParked(manager, view.ins);
  }

  @HandleEvent(Topics.EMERGENCY_CHOICES_CHANGED)
  @HandleEvent(Topics.PROFESSIONAL_AUTHORISED)
  @HandleEvent(Topics.AUTHORISATION_REVOKED)
  @HandleEvent(Topics.PROFESSIONAL_BLOCKED)
  @HandleEvent(Topics.PROFESSIONAL_UNBLOCKED)
  @HandleEvent(Topics.TREATING_PHYSICIAN_DESIGNATED)
  @HandleEvent(Topics.EMERGENCY_PREFERENCES_CHANGED)
  @HandleEvent(Topics.EMERGENCY_ACCESS_STARTED)
  async consentChanged(envelope: EventEnvelope<PatientEvent>, manager: EntityManager): Promise<void> {
    await this.patients.apply(manager, envelope, envelope.payload.ins);
  }

  private async releaseParked(manager: EntityManager, ins: string): Promise<void> {
    const rows: Array<{ sha256: string; submission: ParkedSubmission }> = await manager.query(
      // Through a CTE: TypeORM returns [rows, count] for a bare DELETE ... RETURNING.
      'WITH released AS (DELETE FROM parked_documents WHERE ins = $1 RETURNING id, sha256, submission) SELECT sha256, submission FROM released ORDER BY id',
      [ins],
    );
    if (rows.length > 0) await this.pipeline.release(manager, rows);
  }
}
