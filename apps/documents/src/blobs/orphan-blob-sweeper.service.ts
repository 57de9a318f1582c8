import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicRounds, SERVICE_CONFIG } from '@dmp/platform';
import { DocumentsConfig } from '../config';
import { BLOB_STORE, BlobStore, FileBlobStore, lockBodies } from './blob-store';
import { PackBlobStore } from './pack-blob-store';

/** Hashes checked per transaction: bounds how long the bucket's lock makes filings wait. */
const HASHES_PER_TRANSACTION = 1000;

/**
 * Removes the files store's orphans: bodies written before a metadata commit that never happened
 * (a crash, a rolled-back batch), and abandoned temporary files; for the packs store, packs that
 * no index row names (see PackBlobStore.removeUnindexedPacks). One first-byte bucket of hashes
 * (`00`..`ff`) per round, in turn, so a round reads 1/256 of the store. Every instance may run
 * it: a body is removed under its exclusive body lock after checking that no document and no
 * parked document uses it, and a filing takes that lock (shared) before writing the file and
 * keeps it until its commit, so a filing in flight is either seen using the body or writes it
 * again after the removal. Only files older than DOCUMENTS_BLOB_ORPHAN_MIN_AGE_MS are considered.
 */
@Injectable()
export class OrphanBlobSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OrphanBlobSweeper.name);
  private nextBucket = Math.floor(Math.random() * 256);
  private readonly rounds = new PeriodicRounds('orphan bodies sweep', this.logger, () => {
    const bucket = this.nextBucket;
    this.nextBucket = (bucket + 1) % 256;
    return this.sweep(bucket);
  });

  constructor(
    private readonly dataSource: DataSource,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(SERVICE_CONFIG) private readonly config: DocumentsConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.DOCUMENTS_BLOB_SWEEP_INTERVAL_MS;
    if (interval === 0 || !(this.blobs instanceof FileBlobStore || this.blobs instanceof PackBlobStore)) return;
    this.rounds.start(interval);
  }

  onApplicationShutdown(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round over a bucket (0-255); returns how many files (bodies and temporaries) it removed. */
  async sweep(bucket: number): Promise<number> {
    const store = this.blobs;
    const olderThan = new Date(Date.now() - this.config.DOCUMENTS_BLOB_ORPHAN_MIN_AGE_MS);
    if (store instanceof PackBlobStore) {
      const packs = await store.removeUnindexedPacks(this.dataSource.manager, bucket.toString(16).padStart(2, '0'), olderThan);
      if (packs > 0) this.logger.log(`removed ${packs} packs of bucket ${bucket.toString(16).padStart(2, '0')} that hold no body in use`);
      return packs;
    }
    if (!(store instanceof FileBlobStore)) return 0;
    const { sha256s, temporaries } = await store.listOlderThan(bucket.toString(16).padStart(2, '0'), olderThan);
    await store.removeTemporaries(temporaries);
    let removed = temporaries.length;
    for (let start = 0; start < sha256s.length; start += HASHES_PER_TRANSACTION) {
      const hashes = sha256s.slice(start, start + HASHES_PER_TRANSACTION);
      removed += await this.dataSource.transaction(async (manager) => {
        await lockBodies(manager, hashes, 'exclusive');
        const unused: Array<{ sha256: string }> = await manager.query(
          `SELECT h AS sha256 FROM unnest($1::varchar[]) AS h
           WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.sha256 = h AND d.body_deleted_at IS NULL)
             AND NOT EXISTS (SELECT 1 FROM parked_documents p WHERE p.sha256 = h)`,
          [hashes],
        );
        await store.remove(manager, unused.map((u) => u.sha256));
        return unused.length;
      });
    }
    if (removed > 0) this.logger.log(`removed ${removed} orphan body files of bucket ${bucket.toString(16).padStart(2, '0')}`);
    return removed;
  }
}
