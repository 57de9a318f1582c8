import { Injectable } from '@nestjs/common';
import { EventEnvelope } from '@dmp/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { eventHeaders, topicOf } from '../kafka/event-message';
import { bundleLine } from './outbox-bundle';

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

  /**
   * Appends many events as bundles (see outbox-bundle.ts): one row per topic and up to
   * BUNDLE_MAX_MESSAGES events, published as one Kafka message per event, like `append`. For bulk
   * paths (a campaign batch of thousands): far less work for PostgreSQL than a row per event.
   * Same transaction rule as `append`.
   */
  async appendBundle(
    manager: EntityManager,
    envelopes: EventEnvelope<unknown>[],
    topic?: string,
  ): Promise<void> {
    await appendBundleToOutbox(manager, envelopes, topic);
  }
}

/** Events in one bundle row at most (a row of a few MB). */
export const BUNDLE_MAX_MESSAGES = 5000;

/** `OutboxService.appendBundle` without Nest. */
export async function appendBundleToOutbox(
  manager: EntityManager,
  envelopes: EventEnvelope<unknown>[],
  topic?: string,
): Promise<void> {
  if (envelopes.length === 0) return;
  if (!manager.queryRunner?.isTransactionActive) {
    throw new Error('OutboxService.appendBundle needs the EntityManager of an open transaction');
  }
  // Order within a topic is kept; events of different topics are never ordered by Kafka anyway.
  const byTopic = new Map<string, string[]>();
  for (const envelope of envelopes) {
    const target = topic ?? topicOf(envelope);
    const lines = byTopic.get(target) ?? [];
    lines.push(bundleLine(envelope));
    byTopic.set(target, lines);
  }
  for (const [target, lines] of byTopic) {
    for (let start = 0; start < lines.length; start += BUNDLE_MAX_MESSAGES) {
      const chunk = lines.slice(start, start + BUNDLE_MAX_MESSAGES);
      // A text parameter: no escaping, no jsonb parse; TOAST compresses the repetitive JSON.
      await manager.query(
        `INSERT INTO outbox_events (topic, key, headers, payload, messages, message_count)
         VALUES ($1, NULL, '{}', NULL, $2, $3)`,
        [target, chunk.join('\n'), chunk.length],
      );
    }
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

/** Events not yet published, bundled or not (the backlog gauge; readiness checks may use it). */
export async function findOutboxBacklog(db: DataSource | EntityManager): Promise<number> {
  const rows: Array<{ n: string }> = await db.query(
    'SELECT coalesce(sum(message_count), 0) AS n FROM outbox_events WHERE published_at IS NULL',
  );
  return Number(rows[0]?.n ?? 0);
}
