// The producer-id counter. Ids are reserved in blocks so InitProducerId rarely touches the
// disk; after a crash the unused rest of a block is skipped, never reused.
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from './json-file';

const BLOCK = 1000;

export class ProducerIdAllocator {
  private next = 0;
  private reservedUpTo = 0;
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'producer-ids.json');
  }

  load(highestSeenInLogs: number): void {
    const saved = readJson<{ reservedUpTo: number }>(this.file);
    this.next = Math.max(saved?.reservedUpTo ?? 0, highestSeenInLogs + 1);
    this.reservedUpTo = this.next;
  }

  allocate(): number {
    if (this.next >= this.reservedUpTo) {
      this.reservedUpTo = this.next + BLOCK;
      writeJsonAtomic(this.file, { reservedUpTo: this.reservedUpTo });
    }
    return this.next++;
  }
}
