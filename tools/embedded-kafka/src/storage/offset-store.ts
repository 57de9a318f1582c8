// Committed consumer offsets: in memory, plus an append-only JSON-lines journal (one line per
// commit request) that is replayed at start and compacted into a snapshot when it grows.
// A torn last line after a crash is skipped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrokerLogger } from '../logger';
import type { Flushable } from './flusher';
import { syncDir } from './segment-log';

export interface CommittedOffset {
  offset: number;
  metadata: string | null;
}

type JournalLine =
  | { g: string; c: Array<[string, number, number, string | null]> }
  | { deleteTopic: string }
  | { deleteGroup: string };

const COMPACT_AFTER_BYTES = 8 * 1024 * 1024;

export class OffsetStore implements Flushable {
  /** group -> topic -> partition -> committed */
  readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private fd = -1;
  private size = 0;
  private readonly file: string;

  constructor(
    dataDir: string,
    private readonly logger: BrokerLogger,
  ) {
    this.file = path.join(dataDir, 'consumer-offsets.jsonl');
  }

  load(): void {
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        this.apply(JSON.parse(line) as JournalLine);
      } catch {
        skipped++;
      }
    }
    if (skipped > 0)
      this.logger.warn('skipped unreadable offset journal lines (torn write)', { skipped });
    this.compact();
  }

  private apply(line: JournalLine): void {
    if ('deleteTopic' in line) {
      for (const topics of this.groups.values()) topics.delete(line.deleteTopic);
      return;
    }
    if ('deleteGroup' in line) {
      this.groups.delete(line.deleteGroup);
      return;
    }
    let topics = this.groups.get(line.g);
    if (!topics) this.groups.set(line.g, (topics = new Map()));
    for (const [t, p, o, m] of line.c) {
      let parts = topics.get(t);
      if (!parts) topics.set(t, (parts = new Map()));
      parts.set(p, { offset: o, metadata: m });
    }
  }

  private append(line: JournalLine): void {
    this.apply(line);
    const bytes = Buffer.from(JSON.stringify(line) + '\n');
    fs.writeSync(this.fd, bytes, 0, bytes.length, this.size);
    this.size += bytes.length;
    if (this.size > COMPACT_AFTER_BYTES) this.compact();
  }

  commit(group: string, entries: Array<[string, number, number, string | null]>): void {
    if (entries.length > 0) this.append({ g: group, c: entries });
  }

  deleteTopic(topic: string): void {
    this.append({ deleteTopic: topic });
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(topic)?.get(partition);
  }

  /** Rewrites the journal as a snapshot of the live state (atomic rename). */
  private compact(): void {
    const tmp = `${this.file}.tmp`;
    const lines: string[] = [];
    for (const [g, topics] of this.groups) {
      const c: Array<[string, number, number, string | null]> = [];
      for (const [t, parts] of topics)
        for (const [p, v] of parts) c.push([t, p, v.offset, v.metadata]);
      if (c.length > 0) lines.push(JSON.stringify({ g, c }));
    }
    const body = lines.length > 0 ? lines.join('\n') + '\n' : '';
    const fd = fs.openSync(tmp, 'w');
    fs.writeSync(fd, body);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    if (this.fd >= 0) fs.closeSync(this.fd);
    fs.renameSync(tmp, this.file);
    syncDir(path.dirname(this.file));
    this.fd = fs.openSync(this.file, 'r+');
    this.size = Buffer.byteLength(body);
  }

  flushFd(): number {
    return this.fd;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
