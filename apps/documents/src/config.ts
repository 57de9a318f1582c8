import { BaseServiceConfig, EnvBoolean, EnvNumber } from '@dmp/platform';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

export class DocumentsConfig extends BaseServiceConfig {
  static override serviceName = 'documents';

  /** Largest body accepted inline (base64 in a Kafka submission or a JSON HTTP body), in bytes. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (bytes)' })
  @Min(1, { message: 'must be between 1 and 67108864' })
  @Max(64 * 1024 * 1024, { message: 'must be between 1 and 67108864' })
  DOCUMENTS_MAX_INLINE_BYTES = 1024 * 1024;

  /** Largest body accepted at all (multipart HTTP upload), in bytes. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (bytes)' })
  @Min(1, { message: 'must be between 1 and 268435456' })
  @Max(256 * 1024 * 1024, { message: 'must be between 1 and 268435456' })
  DOCUMENTS_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

  /** How long a document waits for its record's opening event before it is rejected. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(1, { message: 'must be 1 or more' })
  DOCUMENTS_PARK_MAX_WAIT_MS = 24 * 3600 * 1000;

  /** How often this instance looks for parked documents that waited too long; 0 = never. */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(0, { message: 'must be 0 (off) or more' })
  DOCUMENTS_PARK_SWEEP_INTERVAL_MS = 10_000;

  /**
   * Where bodies are kept: `postgres` (bytea table, default), `files` (one file per body under
   * DOCUMENTS_BLOB_DIR) or `packs` (one file per filing batch under DOCUMENTS_BLOB_DIR, indexed in
   * PostgreSQL: the cheapest for large bodies).
   */
  @IsIn(['postgres', 'files', 'packs'], { message: 'must be postgres, files or packs' })
  DOCUMENTS_BLOB_STORE: 'postgres' | 'files' | 'packs' = 'postgres';

  @IsString()
  @MinLength(1, { message: 'must be a directory path' })
  DOCUMENTS_BLOB_DIR = '.data/documents-blobs';

  /**
   * Packs store: write packs with O_DIRECT (bypassing the page cache) where the filesystem allows
   * it; one that refuses it falls back to ordinary writes by itself. Through the page cache the
   * kernel's copy and writeback cost about 0.65 ms of CPU per 200 KB body on this machine.
   */
  @EnvBoolean()
  @IsBoolean({ message: 'must be true or false' })
  DOCUMENTS_PACK_DIRECT_IO = true;

  /**
   * Read each Kafka response straight into one buffer of its size (framedKafkaSocketFactory)
   * instead of kafkajs's 64 KB chunks concatenated at the end: half the buffers and no copy of the
   * fetched submissions. false: kafkajs's own sockets.
   */
  @EnvBoolean()
  @IsBoolean({ message: 'must be true or false' })
  DOCUMENTS_KAFKA_READ_IN_PLACE = true;

  /**
   * With DOCUMENTS_KAFKA_READ_IN_PLACE: read fetch responses into a buffer used again once the
   * connection sends its next Fetch request (every batch of the previous response is filed by then)
   * instead of a fresh buffer of tens of MiB per fetch, whose external memory drove V8's major
   * garbage collections. Costs one buffer of the largest fetch response per broker. false: a fresh
   * buffer per response.
   */
  @EnvBoolean()
  @IsBoolean({ message: 'must be true or false' })
  DOCUMENTS_KAFKA_REUSE_FETCH_BUFFERS = true;

  /**
   * Bytes fetched per submissions partition per Kafka request (kafkajs maxBytesPerPartition; the
   * request's total is 4 times this). Larger fetches mean larger filing batches (fewer
   * transactions and packs per document) but larger response buffers.
   */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (bytes)' })
  @Min(1024 * 1024, { message: 'must be between 1048576 and 268435456' })
  @Max(256 * 1024 * 1024, { message: 'must be between 1048576 and 268435456' })
  DOCUMENTS_KAFKA_FETCH_BYTES_PER_PARTITION = 16 * 1024 * 1024;

  /**
   * Files and packs stores: how often this instance sweeps one 256th of the store for orphans
   * (written before a metadata commit that never happened); 0 = never. A full pass takes 256 rounds.
   */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(0, { message: 'must be 0 (off) or more' })
  DOCUMENTS_BLOB_SWEEP_INTERVAL_MS = 60_000;

  /** Files and packs stores: a file younger than this is never an orphan (its batch may still commit). */
  @EnvNumber()
  @IsInt({ message: 'must be an integer (milliseconds)' })
  @Min(1000, { message: 'must be 1000 or more' })
  DOCUMENTS_BLOB_ORPHAN_MIN_AGE_MS = 3_600_000;

  /**
   * Kafka consumer group; all instances of the service share the default. Tests give each
   * in-process app its own so that parallel test files do not take each other's partitions.
   */
  @IsString()
  @MinLength(1, { message: 'must be a consumer group id' })
  DOCUMENTS_CONSUMER_GROUP = 'dmp-documents';

  /**
   * Read by glibc's allocator when the process starts, not by the service: declared here so that
   * the deployment sets them knowingly (and a typo stops the boot). A 200 KB body passes through
   * buffers of 200 KB to several MB (kafkajs's fetch responses); with glibc's defaults each is a
   * fresh mmap, page-faulted in on first touch and unmapped when V8 frees it, which cost this
   * service about 0.2-0.3 ms of system CPU per 200 KB document. Raising both thresholds (32 MB,
   * glibc's ceiling for the first on 64 bits, and 256 MB in docker-compose) keeps freed memory in
   * the heap for the next buffer. Unset: glibc's defaults (dynamic, from 128 KB).
   */
  @IsOptional()
  @EnvNumber()
  @IsInt({ message: 'must be an integer (bytes)' })
  @Min(0, { message: 'must be 0 or more (bytes)' })
  MALLOC_MMAP_THRESHOLD_?: number;

  /** See MALLOC_MMAP_THRESHOLD_: free heap memory above this is returned to the system. */
  @IsOptional()
  @EnvNumber()
  @IsInt({ message: 'must be an integer (bytes)' })
  @Min(0, { message: 'must be 0 or more (bytes)' })
  MALLOC_TRIM_THRESHOLD_?: number;
}
