import { Injectable, Logger } from '@nestjs/common';
import type { HeartbeatExtraFields, HeartbeatImportProgress } from '@dmp/contracts';

/** Returns the fields a part of the service adds to each heartbeat (outbox backlog, imports...). */
export type HeartbeatContributor = () => HeartbeatExtraFields | Promise<HeartbeatExtraFields>;

/**
 * The parts of a service that add fields to its heartbeats register here (by name: registering
 * a name again replaces it). A contributor that fails or is slow is left out of that heartbeat:
 * the heartbeat says "alive" first, and must never wait on, or die with, a database query.
 */
@Injectable()
export class HeartbeatContributors {
  private readonly logger = new Logger(HeartbeatContributors.name);
  private readonly contributors = new Map<string, HeartbeatContributor>();

  /** Registers a contributor; the returned function unregisters it. */
  add(name: string, contributor: HeartbeatContributor): () => void {
    this.contributors.set(name, contributor);
    return () => {
      if (this.contributors.get(name) === contributor) this.contributors.delete(name);
    };
  }

  get names(): string[] {
    return [...this.contributors.keys()];
  }

  /** Runs every contributor (in parallel, each bounded by timeoutMs) and merges their fields. */
  async collect(timeoutMs = 1_000): Promise<HeartbeatExtraFields> {
    const entries = [...this.contributors.entries()];
    const results = await Promise.all(entries.map(([name, contributor]) => this.run(name, contributor, timeoutMs)));
    return mergeHeartbeatFields(results);
  }

  private async run(name: string, contributor: HeartbeatContributor, timeoutMs: number): Promise<HeartbeatExtraFields> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      return await Promise.race([Promise.resolve().then(contributor), timeout]);
    } catch (error) {
      this.logger.debug({ msg: 'heartbeat contributor left out', contributor: name, reason: error instanceof Error ? error.message : String(error) });
      return {};
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

/** Later fields win, except `imports`, which are concatenated (two importers, one heartbeat). */
export function mergeHeartbeatFields(parts: HeartbeatExtraFields[]): HeartbeatExtraFields {
  const merged: HeartbeatExtraFields = {};
  const imports: HeartbeatImportProgress[] = [];
  for (const part of parts) {
    const { imports: partImports, ...rest } = part;
    Object.assign(merged, rest);
    if (partImports) imports.push(...partImports);
  }
  if (imports.length > 0) merged.imports = imports;
  return merged;
}
