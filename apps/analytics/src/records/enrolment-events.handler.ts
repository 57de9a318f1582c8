import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, RecordClosedPayload, RecordOpenedPayload, RecordReactivatedPayload, Topics } from '@dmp/contracts';
import { HandleEvent } from '@dmp/messaging';
import { settleCpam } from '../activity/activity-store';
import { arrayLiteralOf } from '@dmp/persistence';
import { ANALYTICS_BATCH_SIZE } from '../activity/activity-events.handler';
import { lastByKey } from '../activity/tally';

interface StatusChange {
  ins: string;
  closedAt: string | null;
  at: string;
}

/**
 * Folds enrolment events into one fact row per record, a batch of events per transaction. No
 * inbox row per event (`inbox: false`): the upserts keyed by INS make a redelivery, a replay or
 * an out-of-order arrival converge on the same row (one DMP per person; the latest status change
 * by its own time wins).
 */
@Injectable()
export class EnrolmentEventsHandler {
  @HandleEvent(Topics.RECORD_OPENED, { batch: true, maxBatchSize: ANALYTICS_BATCH_SIZE, inbox: false })
  async recordsOpened(envelopes: EventEnvelope<RecordOpenedPayload>[], manager: EntityManager): Promise<void> {
    // One person has one DMP: a batch carrying an INS twice is a replay, the last copy wins.
    const openings = lastByKey(envelopes.map((e) => e.payload), (p) => p.ins).sort((a, b) => (a.ins < b.ins ? -1 : 1));
    if (openings.length === 0) return;
    // Sorted by INS: the same lock order as the documents and notifications handlers.
    await manager.query(
      `INSERT INTO record_facts (ins, channel, cpam_code, opener_role, opener_id, opened_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
       ON CONFLICT (ins) DO UPDATE SET channel = EXCLUDED.channel, cpam_code = EXCLUDED.cpam_code,
         opener_role = EXCLUDED.opener_role, opener_id = EXCLUDED.opener_id, opened_at = EXCLUDED.opened_at`,
      [
        arrayLiteralOf(openings, (p) => p.ins),
        arrayLiteralOf(openings, (p) => p.channel),
        arrayLiteralOf(openings, (p) => p.cpamCode),
        arrayLiteralOf(openings, (p) => p.openingActor.role),
        arrayLiteralOf(openings, (p) => p.openingActor.id),
        arrayLiteralOf(openings, (p) => p.openedAt),
      ],
    );
    // Documents and notifications of these patients may have arrived first: give them their CPAM.
    await settleCpam(manager, new Map(openings.map((p) => [p.ins, p.cpamCode])));
  }

  @HandleEvent(Topics.RECORD_CLOSED, { batch: true, maxBatchSize: ANALYTICS_BATCH_SIZE, inbox: false })
  async recordsClosed(envelopes: EventEnvelope<RecordClosedPayload>[], manager: EntityManager): Promise<void> {
    await this.changeStatus(manager, envelopes.map((e) => ({ ins: e.payload.ins, closedAt: e.payload.closedAt, at: e.payload.closedAt })));
  }

  @HandleEvent(Topics.RECORD_REACTIVATED, { batch: true, maxBatchSize: ANALYTICS_BATCH_SIZE, inbox: false })
  async recordsReactivated(envelopes: EventEnvelope<RecordReactivatedPayload>[], manager: EntityManager): Promise<void> {
    await this.changeStatus(manager, envelopes.map((e) => ({ ins: e.payload.ins, closedAt: null, at: e.payload.reactivatedAt })));
  }

  /** The latest change by the events' own times wins, whatever the arrival order. */
  private async changeStatus(manager: EntityManager, changes: StatusChange[]): Promise<void> {
    const latest = new Map<string, StatusChange>();
    for (const change of changes) {
      const current = latest.get(change.ins);
      if (!current || Date.parse(current.at) <= Date.parse(change.at)) latest.set(change.ins, change);
    }
    const rows = [...latest.values()].sort((a, b) => (a.ins < b.ins ? -1 : 1));
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO record_facts (ins, closed_at, status_changed_at)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[])
       ON CONFLICT (ins) DO UPDATE SET closed_at = EXCLUDED.closed_at, status_changed_at = EXCLUDED.status_changed_at
       WHERE record_facts.status_changed_at IS NULL OR record_facts.status_changed_at <= EXCLUDED.status_changed_at`,
      [arrayLiteralOf(rows, (r) => r.ins), arrayLiteralOf(rows, (r) => r.closedAt), arrayLiteralOf(rows, (r) => r.at)],
    );
  }
}
