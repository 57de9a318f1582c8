import { Admin } from 'kafkajs';
import { waitFor } from '@dmp/testing';

/** The service's consumer group (`dmp-<service>`). */
export const ANALYTICS_GROUP = 'dmp-analytics';

/**
 * Waits until the service's group has committed offsets at the end each topic has now: every
 * event published before the call is handled (its transaction committed, or dead-lettered).
 * The analytics handlers keep no inbox row (their facts' own keys make them idempotent), so
 * tests know an event was handled from the committed offsets, as the rebuild does.
 */
export async function consumed(admin: Admin, topics: string[], options: { timeoutMs?: number; groupId?: string } = {}): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  const ends = new Map<string, Map<number, number>>();
  for (const topic of present) ends.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)])));
  await waitFor(
    async () => {
      const committed = await admin.fetchOffsets({ groupId: options.groupId ?? ANALYTICS_GROUP, topics: present });
      return committed.every(({ topic, partitions }) =>
        [...(ends.get(topic) ?? new Map<number, number>())].every(([partition, high]) => high === 0 || Number(partitions.find((p) => p.partition === partition)?.offset ?? '-1') >= high),
      );
    },
    { timeoutMs: options.timeoutMs ?? 30_000, message: `group ${options.groupId ?? ANALYTICS_GROUP} caught up on ${present.length} topics` },
  );
}
