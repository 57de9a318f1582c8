import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { applyConsentEvent, ConsentEventLike, ConsentState } from '@dmp/access-rules';

/**
 * The patient's consent state as the access rules need it, folded here from consent and
 * enrolment events (each service keeps its own copy; no service reads another's tables).
 */
@Injectable()
export class ConsentStateStore {
  async apply(manager: EntityManager, envelope: ConsentEventLike): Promise<void> {
    // FOR UPDATE: events of one patient may be handled by two partitions' consumers at once
    // (enrolment and consent topics); the row lock makes the fold sequential.
    const rows = (await manager.query(
      'SELECT state FROM reimbursement_consent_states WHERE ins = $1 FOR UPDATE',
      [envelope.key],
    )) as { state: ConsentState }[];
    const next = applyConsentEvent(rows[0]?.state, envelope);
    if (rows.length > 0 && next === rows[0].state) return;
    await manager.query(
      `INSERT INTO reimbursement_consent_states (ins, state, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (ins) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`,
      [envelope.key, JSON.stringify(next)],
    );
  }

  async find(manager: EntityManager, ins: string): Promise<ConsentState | undefined> {
    const rows = (await manager.query(
      'SELECT state FROM reimbursement_consent_states WHERE ins = $1',
      [ins],
    )) as { state: ConsentState }[];
    return rows[0]?.state;
  }
}
