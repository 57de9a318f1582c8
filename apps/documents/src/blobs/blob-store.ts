import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EntityManager } from 'typeorm';

export interface Blob {
  sha256: string;
  body: Buffer;
}

/**
 * Where document bodies live, addressed by their SHA-256 (so storing the same body twice is a
 * no-op and a retried batch is harmless). `put` receives the transaction of the metadata: the
 * PostgreSQL store writes in it (all or nothing); the files store writes before the commit
 * (a rolled-back transaction can leave an orphan file, never a document without its body).
 *
 * An S3-compatible store is the production option: put = PutObject with the hash as key (and
 * x-amz-checksum-sha256), get = GetObject; it is not implemented here.
 */
export interface BlobStore {
  readonly kind: string;
  /**
   * Stores bodies (a body already there is left as it is); takes the bodies' locks shared.
   * `alongside`: the caller's other statements of the transaction, run after the bodies' locks are
   * taken; a store that writes outside PostgreSQL runs them while its bytes go to disk, and resolves
   * only once both are done (the bytes durable). Default: nothing.
   */
  put(manager: EntityManager, blobs: Blob[], alongside?: () => Promise<void>): Promise<void>;
  /**
   * Deletes bodies nobody uses any more. The caller holds their locks exclusively
   * (lockBodies) and checked, after taking them, that no document or parked document uses them.
   */
  remove(manager: EntityManager, sha256s: string[]): Promise<void>;
  /** The stored bytes as they are (not verified: see readVerified). */
  get(manager: EntityManager, sha256: string): Promise<Buffer | undefined>;
}

export const BLOB_STORE = Symbol('BLOB_STORE');

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    ignoreMissing(error);
    return [];
  }
}

export function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Advisory lock namespace of the body locks (any constant of this service). */
const BODY_LOCKS = 0x646f6373;

/**
 * Transaction-scoped advisory locks over the bodies, in 256 buckets of hashes (first byte), taken
 * in bucket order: shared by every filing that stores a body, exclusive by a deletion. Without
 * them a deletion could check that no document uses a body, while a filing of the same body
 * under another id, not committed yet, finds the body there, does not store it again, and then
 * commits a document whose body the deletion removes. Buckets bound the locks one transaction
 * takes (PostgreSQL's lock table is finite); a collision only makes a deletion wait a batch.
 */
export async function lockBodies(manager: EntityManager, sha256s: string[], mode: 'shared' | 'exclusive'): Promise<void> {
  if (sha256s.length === 0) return;
  const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await manager.query(
    `SELECT count(${lock}(${BODY_LOCKS}, bucket)) AS n FROM (
       SELECT DISTINCT ('x' || substr(h, 1, 2))::bit(8)::int AS bucket FROM unnest($1::varchar[]) AS h ORDER BY bucket
     ) AS buckets`,
    [sha256s],
  );
}

const STATEMENT_BYTES = 1024 * 1024;

export class PostgresBlobStore implements BlobStore {
  readonly kind = 'postgres';

  async put(manager: EntityManager, blobs: Blob[], alongside?: () => Promise<void>): Promise<void> {
    await this.insert(manager, blobs);
    await alongside?.();
  }

  private async insert(manager: EntityManager, blobs: Blob[]): Promise<void> {
    const unique = [...new Map(blobs.map((b) => [b.sha256, b])).values()];
    await lockBodies(manager, unique.map((b) => b.sha256), 'shared');
    // One VALUES row per body with the Buffer as its own parameter: node-postgres sends Buffer
    // parameters in binary, whereas a bytea[] array parameter would be hex-escaped text (3x slower).
    // Statements of about 1 MiB: node-postgres builds each message in a buffer that grows by
    // half again plus the need, copying what it holds each time: serialising 100 bodies of 200 KB
    // in one 20 MB statement cost 0.23-0.4 ms of CPU per body, in statements of 5 bodies 0.10-0.14
    // (pg-protocol's serializer alone, measured on the loaded development machine).
    for (let start = 0; start < unique.length; ) {
      let end = start + 1;
      let bytes = unique[start].body.length;
      while (end < unique.length && end - start < 100 && bytes + unique[end].body.length <= STATEMENT_BYTES) bytes += unique[end++].body.length;
      const chunk = unique.slice(start, end);
      const rows = chunk.map((_, i) => `($${2 * i + 1}, $${2 * i + 2}, now())`).join(', ');
      await manager.query(
        `INSERT INTO document_blobs (sha256, body, created_at) VALUES ${rows} ON CONFLICT (sha256) DO NOTHING`,
        chunk.flatMap((b) => [b.sha256, b.body]),
      );
      start = end;
    }
  }

  async remove(manager: EntityManager, sha256s: string[]): Promise<void> {
    if (sha256s.length > 0) await manager.query('DELETE FROM document_blobs WHERE sha256 = ANY($1)', [sha256s]);
  }

  async get(manager: EntityManager, sha256: string): Promise<Buffer | undefined> {
    const rows: Array<{ body: Buffer }> = await manager.query('SELECT body FROM document_blobs WHERE sha256 = $1', [sha256]);
    return rows[0]?.body;
  }
}

const FILE_WRITES_IN_FLIGHT = 8;

/** Runs `work` over `items`, `concurrency` at a time (the fsyncs wait on the disk, not on the CPU). */
async function eachLimited<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** A body file's name while it is being written: `<sha256>.<pid>.<sequence>.tmp`. */
const TEMPORARY = /^[0-9a-f]{64}\.\d+\.\d+\.tmp$/;
const HASH = /^[0-9a-f]{64}$/;

export class FileBlobStore implements BlobStore {
  readonly kind = 'files';
  /** Directories known to exist (they are never removed): one mkdir per directory, not per body. */
  private readonly directories = new Set<string>();
  /** Makes temporary names unique within the process (two batches may write the same body at once). */
  private sequence = 0;

  constructor(private readonly root: string) {}

  private pathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /**
   * Write, flush, rename each body, then flush each directory once: a reader never sees a
   * half-written body under its final name, and once the metadata commits (PostgreSQL flushes its
   * WAL) the bodies and their directory entries are on disk too, so an operating-system crash
   * cannot leave a document without its body. A crash before the commit leaves orphan files, which
   * sweepOrphans removes.
   */
  async put(manager: EntityManager, blobs: Blob[], alongside?: () => Promise<void>): Promise<void> {
    await this.writeAll(manager, blobs);
    await alongside?.();
  }

  private async writeAll(manager: EntityManager, blobs: Blob[]): Promise<void> {
    const unique = [...new Map(blobs.map((b) => [b.sha256, b])).values()];
    await lockBodies(manager, unique.map((b) => b.sha256), 'shared');
    const directories = new Set<string>();
    await eachLimited(unique, FILE_WRITES_IN_FLIGHT, async (blob) => {
      directories.add(await this.write(blob));
    });
    await eachLimited([...directories], FILE_WRITES_IN_FLIGHT, async (directory) => {
      const dir = await open(directory, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    });
  }

  /** Writes one body under a temporary name, flushes it and renames it; returns its directory. */
  private async write(blob: Blob): Promise<string> {
    const path = this.pathOf(blob.sha256);
    const directory = dirname(path);
    if (!this.directories.has(directory)) {
      await mkdir(directory, { recursive: true });
      this.directories.add(directory);
    }
    const temporary = `${path}.${process.pid}.${this.sequence++}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(blob.body);
      await file.datasync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    return directory;
  }

  /**
   * Bodies of one first-byte bucket (`00`..`ff`) and temporary files older than `olderThan`: the
   * candidates of the orphan sweep (a crash or a rolled-back batch between the write and the commit).
   */
  async listOlderThan(bucket: string, olderThan: Date): Promise<{ sha256s: string[]; temporaries: string[] }> {
    const sha256s: string[] = [];
    const temporaries: string[] = [];
    const top = join(this.root, bucket);
    for (const second of await readdirOrEmpty(top)) {
      const directory = join(top, second);
      for (const name of await readdirOrEmpty(directory)) {
        if (!HASH.test(name) && !TEMPORARY.test(name)) continue;
        const path = join(directory, name);
        const modified = await stat(path).then((s) => s.mtimeMs, () => undefined);
        if (modified === undefined || modified >= olderThan.getTime()) continue;
        if (HASH.test(name)) sha256s.push(name);
        else temporaries.push(path);
      }
    }
    return { sha256s, temporaries };
  }

  /** Removes abandoned temporary files (listed by listOlderThan). */
  async removeTemporaries(paths: string[]): Promise<void> {
    for (const path of paths) await unlink(path).catch(ignoreMissing);
  }

  /**
   * Unlinks inside the deleting transaction, under the exclusive body locks, just before its
   * commit: after the commit a concurrent filing of the same body could have put it back. A
   * commit that fails after this leaves a document whose body is gone: refused on read as an
   * integrity error, never served wrong.
   */
  async remove(_manager: EntityManager, sha256s: string[]): Promise<void> {
    for (const sha256 of sha256s) {
      try {
        await unlink(this.pathOf(sha256));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }

  async get(_manager: EntityManager, sha256: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
