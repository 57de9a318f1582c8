import { Injectable } from '@nestjs/common';
import { EventEnvelope } from '@dmp/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { eventHeaders, topicOf } from '../kafka/event-message';

// One INSERT per chunk: a bulk append (a backfill) stays a handful of statements.
const CHUNK = 1000;

/**
 * Appends events to the transactional outbox. Call it with the EntityManager of the transaction
 * that makes the state change, AFTER the writes that lock the aggregate (so that two
 * transactions on the same key get outbox ids in commit order):
 *
 *   await dataSource.transaction(async (manager) => {
 *     await manager.save(record);
 *     await outbox.append(manager, createEvent(RecordOpened, payload, { key: ins, ... }));
 *   });
 */
@Injectable()
export class OutboxService {
  async append(
    manager: EntityManager,
    envelopes: EventEnvelope<unknown> | EventEnvelope<unknown>[],
    topic?: string,
  ): Promise<void> {
    await appendToOutbox(manager, envelopes, topic);
  }
}

/** `OutboxService.append` without Nest (scripts, fixtures). */
export async function appendToOutbox(
  manager: EntityManager,
  envelopes: EventEnvelope<unknown> | EventEnvelope<unknown>[],
  topic?: string,
): Promise<void> {
  const list = Array.isArray(envelopes) ? envelopes : [envelopes];
  if (list.length > 0 && !manager.queryRunner?.isTransactionActive) {
    throw new Error('OutboxService.append needs the EntityManager of an open transaction');
  }
  for (let start = 0; start < list.length; start += CHUNK) {
    const chunk = list.slice(start, start + CHUNK);
    await manager.query(
      `INSERT INTO outbox_events (topic, key, headers, payload)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[])`,
      [
        chunk.map((e) => topic ?? topicOf(e)),
        chunk.map((e) => e.key ?? null),
        chunk.map((e) => JSON.stringify(eventHeaders(e))),
        chunk.map((e) => JSON.stringify(e)),
      ],
    );
  }
}

/** Rows not yet published (the backlog gauge; readiness checks may use it). */
export async function findOutboxBacklog(db: DataSource | EntityManager): Promise<number> {
  const rows: Array<{ n: string }> = await db.query(
    'SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL',
  );
  return Number(rows[0]?.n ?? 0);
}
