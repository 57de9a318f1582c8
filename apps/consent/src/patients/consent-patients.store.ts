import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConsentEventLike, ConsentState, applyConsentEvent, emptyConsentState } from '@dmp/access-rules';
import { ConsentPatientEntity } from './consent-patient.entity';

/**
 * Reads and writes consent_patients. Every change goes through `lock` (row lock, created when
 * missing) so that concurrent changes for one patient (an HTTP choice, an enrolment event, an
 * emergency access) serialise on that row.
 */
@Injectable()
export class ConsentPatientsStore {
  /** Locks the patient's row for the rest of the transaction, creating an `unknown` one first if needed. */
  async lock(manager: EntityManager, ins: string): Promise<ConsentPatientEntity> {
    await manager.query(
      `INSERT INTO consent_patients (ins, state, record_status, updated_at) VALUES ($1, $2, 'unknown', now()) ON CONFLICT (ins) DO NOTHING`,
      [ins, JSON.stringify(emptyConsentState(ins))],
    );
    const patient = await manager.getRepository(ConsentPatientEntity).findOne({ where: { ins }, lock: { mode: 'pessimistic_write' } });
    if (!patient) throw new Error(`consent_patients row for ${ins} vanished under a lock`);
    return patient;
  }

  /** Locks several patients in INS order (a fixed order: two batches never deadlock). */
  async lockMany(manager: EntityManager, insList: string[]): Promise<Map<string, ConsentPatientEntity>> {
    const unique = [...new Set(insList)].sort();
    const result = new Map<string, ConsentPatientEntity>();
    if (unique.length === 0) return result;
    await manager.query(
      `INSERT INTO consent_patients (ins, state, record_status, updated_at)
       SELECT i, jsonb_build_object('ins', i) || $2::jsonb, 'unknown', now() FROM unnest($1::varchar[]) AS i
       ON CONFLICT (ins) DO NOTHING`,
      [unique, JSON.stringify(withoutIns(emptyConsentState('')))],
    );
    const rows = await manager
      .getRepository(ConsentPatientEntity)
      .createQueryBuilder('p')
      .where('p.ins = ANY(:unique)', { unique })
      .orderBy('p.ins')
      .setLock('pessimistic_write')
      .getMany();
    for (const row of rows) result.set(row.ins, row);
    return result;
  }

  async find(manager: EntityManager, ins: string): Promise<ConsentPatientEntity | null> {
    return manager.getRepository(ConsentPatientEntity).findOne({ where: { ins } });
  }

  async findMany(manager: EntityManager, insList: string[]): Promise<Map<string, ConsentPatientEntity>> {
    const unique = [...new Set(insList)];
    const result = new Map<string, ConsentPatientEntity>();
    if (unique.length === 0) return result;
    const rows = await manager.getRepository(ConsentPatientEntity).createQueryBuilder('p').where('p.ins = ANY(:unique)', { unique }).getMany();
    for (const row of rows) result.set(row.ins, row);
    return result;
  }

  /** Folds an event into the patient's access-rules state (same reducer as documents and reimbursements). */
  applyEvent(patient: ConsentPatientEntity, envelope: ConsentEventLike): void {
    const before = patient.state;
    patient.state = applyConsentEvent(before, envelope);
    syncRecordColumns(patient, patient.state, envelope.occurredAt);
  }

  async save(manager: EntityManager, patient: ConsentPatientEntity): Promise<void> {
    patient.updatedAt = new Date();
    await manager.getRepository(ConsentPatientEntity).save(patient);
  }

  /**
   * Writes what enrolment's events change (state, record status, contacts, representatives) for
   * rows locked by `lockMany`, in one statement. Preferences are not written: no enrolment event
   * changes them, and the rows stay locked until the transaction ends.
   */
  async saveEnrolmentChanges(manager: EntityManager, patients: ConsentPatientEntity[]): Promise<void> {
    if (patients.length === 0) return;
    const now = new Date();
    for (const patient of patients) patient.updatedAt = now;
    await manager.query(
      `UPDATE consent_patients AS p
          SET state = u.state, record_status = u.record_status, closed_at = u.closed_at,
              email = u.email, mobile = u.mobile, contacts_changed_at = u.contacts_changed_at,
              legal_representatives = u.legal_representatives, updated_at = $9
         FROM unnest($1::varchar[], $2::jsonb[], $3::varchar[], $4::timestamptz[], $5::varchar[],
                     $6::varchar[], $7::timestamptz[], $8::jsonb[])
              AS u(ins, state, record_status, closed_at, email, mobile, contacts_changed_at, legal_representatives)
        WHERE p.ins = u.ins`,
      [
        patients.map((p) => p.ins),
        patients.map((p) => JSON.stringify(p.state)),
        patients.map((p) => p.recordStatus),
        patients.map((p) => p.closedAt),
        patients.map((p) => p.email),
        patients.map((p) => p.mobile),
        patients.map((p) => p.contactsChangedAt),
        patients.map((p) => JSON.stringify(p.legalRepresentatives)),
        now,
      ],
    );
  }
}

function withoutIns(state: ConsentState): Omit<ConsentState, 'ins'> {
  const { ins: _ins, ...rest } = state;
  return rest;
}

function syncRecordColumns(patient: ConsentPatientEntity, state: ConsentState, occurredAt: string): void {
  const status = state.record.status;
  if (status === 'closed' && patient.recordStatus !== 'closed') patient.closedAt = new Date(state.record.changedAt ?? occurredAt);
  if (status !== 'closed') patient.closedAt = null;
  patient.recordStatus = status;
}
