// Topics, their partitions and per-topic settings. Topic metadata is one small JSON file
// rewritten atomically on change; each partition is a SegmentLog under topics/<name>/<n>.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrokerLogger } from '../logger';
import { PartitionProducerState, lastSequence } from './producer-state';
import { readJson, writeJsonAtomic } from './json-file';
import { PreallocateMode, SegmentLog } from './segment-log';

export interface TopicSettings {
  retentionMs: number;
  retentionBytes: number;
  /** Configs given at creation, kept for DescribeConfigs-like introspection. */
  configs: Record<string, string | null>;
}

export interface LogSettings {
  segmentBytes: number;
  segmentMs: number;
  indexIntervalBytes: number;
  preallocateBytes: number;
  preallocateMode: PreallocateMode;
  retentionMs: number;
  retentionBytes: number;
}

export class Partition {
  readonly producers = new PartitionProducerState();
  /** Parked long-poll fetches to wake when this partition grows or disappears. */
  readonly waiters = new Set<() => void>();
  log!: SegmentLog;

  constructor(
    readonly topic: string,
    readonly index: number,
  ) {}

  wake(): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) w();
  }
}

export class Topic {
  constructor(
    readonly name: string,
    readonly partitions: Partition[],
    readonly settings: TopicSettings,
    readonly createdAt: number,
  ) {}
}

interface TopicsFile {
  version: 1;
  topics: Record<
    string,
    { partitions: number; createdAt: number; configs: Record<string, string | null> }
  >;
}

const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function topicNameProblem(name: string): string | null {
  if (!LEGAL_NAME.test(name)) return 'topic names use 1-249 characters from [a-zA-Z0-9._-]';
  if (name === '.' || name === '..') return 'topic name cannot be "." or ".."';
  return null;
}

export class TopicStore {
  readonly topics = new Map<string, Topic>();
  /** Highest producer id found in the logs at open (the id counter must stay above it). */
  highestProducerId = -1;
  private readonly file: string;
  private readonly root: string;

  constructor(
    private readonly dataDir: string,
    private readonly settings: LogSettings,
    private readonly logger: BrokerLogger,
  ) {
    this.file = path.join(dataDir, 'topics.json');
    this.root = path.join(dataDir, 'topics');
    fs.mkdirSync(this.root, { recursive: true });
  }

  load(): void {
    const saved = readJson<TopicsFile>(this.file);
    if (!saved) return;
    for (const [name, t] of Object.entries(saved.topics))
      this.open(name, t.partitions, t.configs, t.createdAt);
  }

  private settingsFrom(configs: Record<string, string | null>): TopicSettings {
    const num = (key: string, fallback: number): number => {
      const raw = configs[key];
      const n = raw === undefined || raw === null ? NaN : Number(raw);
      return Number.isFinite(n) ? n : fallback;
    };
    return {
      retentionMs: num('retention.ms', this.settings.retentionMs),
      retentionBytes: num('retention.bytes', this.settings.retentionBytes),
      configs,
    };
  }

  private open(
    name: string,
    count: number,
    configs: Record<string, string | null>,
    createdAt: number,
  ): Topic {
    const partitions: Partition[] = [];
    for (let i = 0; i < count; i++) {
      const p = new Partition(name, i);
      p.log = SegmentLog.open(path.join(this.root, name, String(i)), {
        segmentBytes: this.settings.segmentBytes,
        segmentMs: this.settings.segmentMs,
        indexIntervalBytes: this.settings.indexIntervalBytes,
        preallocateBytes: this.settings.preallocateBytes,
        preallocateMode: this.settings.preallocateMode,
        logger: this.logger,
        onRecoveredBatch: (h) => {
          p.producers.record(
            h.producerId,
            h.producerEpoch,
            h.baseSequence,
            lastSequence(h.baseSequence, h.recordsCount),
            h.baseOffset,
          );
          if (h.producerId > this.highestProducerId) this.highestProducerId = h.producerId;
        },
      });
      partitions.push(p);
    }
    const topic = new Topic(name, partitions, this.settingsFrom(configs), createdAt);
    this.topics.set(name, topic);
    return topic;
  }

  create(name: string, partitions: number, configs: Record<string, string | null> = {}): Topic {
    const topic = this.open(name, partitions, configs, Date.now());
    this.persist();
    this.logger.info('topic created', { topic: name, partitions });
    return topic;
  }

  delete(name: string): boolean {
    const topic = this.topics.get(name);
    if (!topic) return false;
    this.topics.delete(name);
    this.persist();
    for (const p of topic.partitions) {
      p.log.closeAndDelete();
      p.wake();
    }
    fs.rmSync(path.join(this.root, name), { recursive: true, force: true });
    this.logger.info('topic deleted', { topic: name });
    return true;
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.topics.get(topic)?.partitions[index];
  }

  private persist(): void {
    const out: TopicsFile = { version: 1, topics: {} };
    for (const t of this.topics.values())
      out.topics[t.name] = {
        partitions: t.partitions.length,
        createdAt: t.createdAt,
        configs: t.settings.configs,
      };
    writeJsonAtomic(this.file, out);
  }

  close(): void {
    for (const t of this.topics.values()) for (const p of t.partitions) p.log.close();
  }
}
