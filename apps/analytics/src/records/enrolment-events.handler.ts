import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, RecordClosedPayload, RecordOpenedPayload, RecordReactivatedPayload, Topics } from '@dmp/contracts';
import { HandleEvent } from '@dmp/messaging';

/**
 * Folds enrolment events into one fact row per record. The inbox makes a redelivery a no-op;
 * the upserts make a replay or an out-of-order arrival converge on the same row.
 */
@Injectable()
export class EnrolmentEventsHandler {
  @HandleEvent(Topics.RECORD_OPENED)
  async recordOpened(envelope: EventEnvelope<RecordOpenedPayload>, manager: EntityManager): Promise<void> {
    const p = envelope.payload;
    await manager.query(
      `INSERT INTO record_facts (ins, channel, cpam_code, opener_role, opener_id, opened_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (ins) DO UPDATE SET channel = EXCLUDED.channel, cpam_code = EXCLUDED.cpam_code,
         opener_role = EXCLUDED.opener_role, opener_id = EXCLUDED.opener_id, opened_at = EXCLUDED.opened_at`,
      [p.ins, p.channel, p.cpamCode, p.openingActor.role, p.openingActor.id, p.openedAt],
    );
  }

  @HandleEvent(Topics.RECORD_CLOSED)
  async recordClosed(envelope: EventEnvelope<RecordClosedPayload>, manager: EntityManager): Promise<void> {
    await this.changeStatus(manager, envelope.payload.ins, envelope.payload.closedAt, envelope.payload.closedAt);
  }

  @HandleEvent(Topics.RECORD_REACTIVATED)
  async recordReactivated(envelope: EventEnvelope<RecordReactivatedPayload>, manager: EntityManager): Promise<void> {
    await this.changeStatus(manager, envelope.payload.ins, null, envelope.payload.reactivatedAt);
  }

  private async changeStatus(manager: EntityManager, ins: string, closedAt: string | null, at: string): Promise<void> {
    await manager.query(
      `INSERT INTO record_facts (ins, closed_at, status_changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (ins) DO UPDATE SET closed_at = EXCLUDED.closed_at, status_changed_at = EXCLUDED.status_changed_at
       WHERE record_facts.status_changed_at IS NULL OR record_facts.status_changed_at <= EXCLUDED.status_changed_at`,
      [ins, closedAt, at],
    );
  }
}
