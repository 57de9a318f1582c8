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

  /** Applies an enrolment or consent event through the access rules' reducer (order-tolerant). */
  async apply(manager: EntityManager, envelope: ConsentEventLike & { payload: unknown }, ins: string, legalRepresentatives?: string[]): Promise<PatientView> {
    await manager.query(ENSURE_ROWS, [[ins], emptyStateJson()]);
    const rows: Array<{ consent_state: ConsentState; legal_representatives: string[] }> = await manager.query(
      'SELECT consent_state, legal_representatives FROM document_patients WHERE ins = $1 FOR UPDATE',
      [ins],
    );
    const state = applyConsentEvent(rows[0]?.consent_state ?? emptyConsentState(ins), envelope);
    const representatives = legalRepresentatives ?? rows[0]?.legal_representatives ?? [];
    await manager.query(
      'UPDATE document_patients SET consent_state = $2, record_status = $3, legal_representatives = $4, updated_at = now() WHERE ins = $1',
      [ins, JSON.stringify(state), state.record.status, JSON.stringify(representatives)],
    );
    return { ins, recordStatus: state.record.status, consentState: state, legalRepresentatives: representatives };
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
