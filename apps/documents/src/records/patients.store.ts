import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConsentEventLike, ConsentState, applyConsentEvent, emptyConsentState } from '@dmp/access-rules';

function emptyStateJson(): string {
  const { ins: _ins, ...rest } = emptyConsentState('');
  void _ins;
  return JSON.stringify(rest);
}

const ENSURE_ROWS = `INSERT INTO document_patients (ins, record_status, consent_state, updated_at)
  SELECT i, 'unknown', jsonb_build_object('ins', i) || $2::jsonb, now() FROM unnest($1::varchar[]) AS i
  ORDER BY i
  ON CONFLICT (ins) DO NOTHING`;

/** What an enrolment event says about a patient's legal representatives (their INS). */
export interface RepresentativesChange {
  change: 'set' | 'add';
  list: string[];
  /** The instant of the change (ISO-8601). */
  at: string;
}

export interface PatientView {
  ins: string;
  recordStatus: string;
  consentState: ConsentState;
  legalRepresentatives: string[];
}

/** The local read model of patients: record status and consent state, from events only. */
@Injectable()
export class PatientsStore {
  /** Record status of each patient, rows created `unknown` when missing, share-locked in INS order. */
  async lockShared(manager: EntityManager, insList: string[]): Promise<Map<string, string>> {
    const sorted = [...new Set(insList)].sort();
    await manager.query(ENSURE_ROWS, [sorted, emptyStateJson()]);
    const rows: Array<{ ins: string; record_status: string }> = await manager.query(
      'SELECT ins, record_status FROM document_patients WHERE ins = ANY($1) ORDER BY ins FOR SHARE',
      [sorted],
    );
    return new Map(rows.map((r) => [r.ins, r.record_status]));
  }

  /**
   * Applies an enrolment or consent event through the access rules' reducer (order-tolerant),
   * and, when the event says who the legal representatives are, that change: a full list
   * (`set`), one more (`add`), all gone (`set` to []). Last writer wins on the event's instant.
   */
  async apply(manager: EntityManager, envelope: ConsentEventLike & { payload: unknown }, ins: string, representatives?: RepresentativesChange): Promise<PatientView> {
    await manager.query(ENSURE_ROWS, [[ins], emptyStateJson()]);
    const rows: Array<{ consent_state: ConsentState; legal_representatives: string[]; legal_representatives_changed_at: Date | null }> = await manager.query(
      'SELECT consent_state, legal_representatives, legal_representatives_changed_at FROM document_patients WHERE ins = $1 FOR UPDATE',
      [ins],
    );
    const state = applyConsentEvent(rows[0]?.consent_state ?? emptyConsentState(ins), envelope);
    let list = rows[0]?.legal_representatives ?? [];
    let changedAt = rows[0]?.legal_representatives_changed_at ?? null;
    if (representatives !== undefined) {
      const at = new Date(representatives.at);
      if (changedAt === null || at.getTime() > changedAt.getTime()) {
        list = representatives.change === 'set' ? [...new Set(representatives.list)] : [...new Set([...list, ...representatives.list])];
        changedAt = at;
      }
    }
    await manager.query(
      'UPDATE document_patients SET consent_state = $2, record_status = $3, legal_representatives = $4, legal_representatives_changed_at = $5, updated_at = now() WHERE ins = $1',
      [ins, JSON.stringify(state), state.record.status, JSON.stringify(list), changedAt],
    );
    return { ins, recordStatus: state.record.status, consentState: state, legalRepresentatives: list };
  }

  async find(manager: EntityManager, ins: string): Promise<PatientView | undefined> {
    const rows: Array<{ ins: string; record_status: string; consent_state: ConsentState; legal_representatives: string[] }> = await manager.query(
      'SELECT ins, record_status, consent_state, legal_representatives FROM document_patients WHERE ins = $1',
      [ins],
    );
    const row = rows[0];
    return row && { ins: row.ins, recordStatus: row.record_status, consentState: row.consent_state, legalRepresentatives: row.legal_representatives };
  }
}
