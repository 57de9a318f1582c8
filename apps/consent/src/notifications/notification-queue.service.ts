import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConsentPatientEntity } from '../patients/consent-patient.entity';
import { NotificationRequest, deliveriesFor } from './notification-triggers';
import { NotificationWakeUp } from './notification-wake-up';

/**
 * Puts notifications in the queue inside the caller's transaction (the trigger and its
 * notification commit together or not at all). A trigger already queued is skipped by the
 * unique (dedup_key, channel): replays and concurrent consumers cannot double it.
 */
@Injectable()
export class NotificationQueue {
  constructor(private readonly wakeUp: NotificationWakeUp) {}

  /**
   * Returns how many rows were inserted, and the dedup keys that were all already queued by
   * transactions that committed (a conflict under ON CONFLICT waits for the other transaction, so
   * it only reports committed rows; duplicates within `requests` are dropped first).
   */
  async enqueue(manager: EntityManager, requests: NotificationRequest[], patients: Map<string, ConsentPatientEntity>): Promise<{ inserted: number; alreadyQueued: string[] }> {
    const unique = [...new Map(requests.map((r) => [r.dedupKey, r])).values()];
    if (unique.length === 0) return { inserted: 0, alreadyQueued: [] };
    const rows = unique.flatMap((request) =>
      deliveriesFor(request.ins, patients.get(request.ins)).map((delivery) => ({ ...request, ...delivery, id: randomUUID() })),
    );
    const inserted: Array<{ dedup_key: string }> = await manager.query(
      `INSERT INTO notifications (id, dedup_key, channel, ins, trigger, recipient, subject, body, status, next_attempt_at)
       SELECT *, 'pending', now() FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[], $8::text[])
       ON CONFLICT (dedup_key, channel) DO NOTHING
       RETURNING dedup_key`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.dedupKey),
        rows.map((r) => r.channel),
        rows.map((r) => r.ins),
        rows.map((r) => r.trigger),
        rows.map((r) => r.recipient),
        rows.map((r) => r.subject),
        rows.map((r) => r.body),
      ],
    );
    if (inserted.length > 0) this.wakeUp.afterCommit(manager);
    const fresh = new Set(inserted.map((row) => row.dedup_key));
    return { inserted: inserted.length, alreadyQueued: unique.map((r) => r.dedupKey).filter((key) => !fresh.has(key)) };
  }
}
