// The stats snapshot for operators: topics with offsets and sizes, groups with their members,
// assignments, committed offsets and lag.
import type { GroupCoordinator } from './group/group-coordinator';
import { Reader } from './protocol/codec';
import type { OffsetStore } from './storage/offset-store';
import type { TopicStore } from './storage/topic-store';

export interface PartitionStats {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  sizeBytes: number;
  segments: number;
}

export interface GroupMemberStats {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** Decoded from the consumer protocol assignment; empty for other protocol types. */
  assignment: Record<string, number[]>;
}

export interface GroupOffsetStats {
  topic: string;
  partition: number;
  committedOffset: number;
  logEndOffset: number;
  lag: number;
}

export interface GroupStats {
  groupId: string;
  state: string;
  generationId: number;
  protocolType: string | null;
  protocol: string | null;
  members: GroupMemberStats[];
  offsets: GroupOffsetStats[];
  totalLag: number;
}

export interface BrokerStats {
  startedAt: string;
  uptimeMs: number;
  connections: number;
  fsyncRounds: number;
  requests: Record<string, number>;
  topics: Array<{ name: string; partitions: PartitionStats[] }>;
  groups: GroupStats[];
}

function decodeAssignment(bytes: Buffer): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  if (bytes.length === 0) return out;
  try {
    const r = new Reader(bytes);
    r.int16();
    const n = r.arrayLength(2);
    for (let i = 0; i < n; i++) out[r.string()] = r.array((r) => r.int32(), 4);
  } catch {
    // not a consumer-protocol assignment
  }
  return out;
}

export function collectStats(input: {
  startedAt: number;
  topics: TopicStore;
  groups: GroupCoordinator;
  offsets: OffsetStore;
  connections: number;
  fsyncRounds: number;
  requests: Record<string, number>;
}): BrokerStats {
  const { topics, groups, offsets } = input;
  const topicStats = [...topics.topics.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p.index,
        logStartOffset: p.log.logStartOffset,
        logEndOffset: p.log.logEndOffset,
        sizeBytes: p.log.sizeBytes,
        segments: p.log.segments.length,
      })),
    }));
  const ids = new Set<string>([...groups.groups.keys(), ...offsets.groups.keys()]);
  const groupStats: GroupStats[] = [...ids].sort().map((id) => {
    const g = groups.groups.get(id);
    const committed: GroupOffsetStats[] = [];
    let totalLag = 0;
    for (const [topic, parts] of offsets.groups.get(id) ?? []) {
      for (const [partition, c] of parts) {
        const end = topics.partition(topic, partition)?.log.logEndOffset ?? -1;
        const lag = end >= 0 && c.offset >= 0 ? Math.max(0, end - c.offset) : 0;
        totalLag += lag;
        committed.push({ topic, partition, committedOffset: c.offset, logEndOffset: end, lag });
      }
    }
    committed.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    return {
      groupId: id,
      state: g?.state ?? 'Empty',
      generationId: g?.generationId ?? 0,
      protocolType: g?.protocolType ?? null,
      protocol: g?.protocolName ?? null,
      members: g
        ? [...g.members.values()].map((m) => ({
            memberId: m.id,
            clientId: m.clientId,
            clientHost: m.clientHost,
            assignment: g.protocolType === 'consumer' ? decodeAssignment(m.assignment) : {},
          }))
        : [],
      offsets: committed,
      totalLag,
    };
  });
  return {
    startedAt: new Date(input.startedAt).toISOString(),
    uptimeMs: Date.now() - input.startedAt,
    connections: input.connections,
    fsyncRounds: input.fsyncRounds,
    requests: input.requests,
    topics: topicStats,
    groups: groupStats,
  };
}
