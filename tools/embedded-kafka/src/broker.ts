// The broker: wires storage, the group coordinator and the request handlers to a TCP server,
// and owns the lifecycle (recovery at start, clean flush and close at stop).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { GroupCoordinator } from './group/group-coordinator';
import { BrokerLogger, LogLevel, createJsonLogger } from './logger';
import { ApiKey } from './protocol/api-keys';
import { GroupFlusher } from './storage/flusher';
import { OffsetStore } from './storage/offset-store';
import { ProducerIdAllocator } from './storage/producer-ids';
import { TopicStore } from './storage/topic-store';
import type { PreallocateMode } from './storage/segment-log';
import { Connection } from './server/connection';
import { Durability, RequestHandlers } from './server/request-handlers';
import { BrokerStats, collectStats } from './stats';

export interface BrokerOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Host (and port) given to clients in Metadata/FindCoordinator. Default: host / the bound port. */
  advertisedHost?: string;
  advertisedPort?: number;
  /** Where logs, topic metadata and committed offsets live. Default: a temporary directory removed at stop. */
  dataDir?: string;
  /** Partitions of auto-created topics and of CreateTopics with -1. Default 3. */
  defaultPartitions?: number;
  /** Create unknown topics on Metadata requests that allow it. Default true. */
  autoCreateTopics?: boolean;
  /** 'fsync-before-ack' (default): acks=-1 produces and offset commits are fsynced (grouped) before the reply. 'os': leave flushing to the OS. */
  durability?: Durability;
  /** Default retention per topic (topic configs retention.ms / retention.bytes override). Default 7 days and 1 GiB per partition. */
  retentionMs?: number;
  retentionBytes?: number;
  /** How often retention is checked. Default 5 minutes. */
  retentionCheckIntervalMs?: number;
  /** Segment roll size and age. Default 64 MiB and 1 day (capped by the retention time). */
  segmentBytes?: number;
  segmentMs?: number;
  /**
   * Space kept ahead of each partition's active segment file, so that appends overwrite the
   * file instead of growing it and each acks=-1 fdatasync writes the data alone (Kafka's
   * log.preallocate). Trimmed at roll, close and recovery. 0 turns it off. Default 1 MiB.
   */
  preallocateBytes?: number;
  /** 'sparse' (default: ftruncate, nothing written ahead) or 'zeros' (blocks allocated by writing zeros). */
  preallocateMode?: PreallocateMode;
  /** Largest accepted request frame. Default 100 MiB (Kafka's socket.request.max.bytes). */
  maxFrameBytes?: number;
  /** Bounds for JoinGroup session timeouts. Default 1 s to 30 min. */
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  nodeId?: number;
  logger?: BrokerLogger;
  logLevel?: LogLevel;
  /** Only warnings and errors (tests). */
  quiet?: boolean;
}

export interface BrokerHandle {
  /** host:port to give clients as the bootstrap list. */
  bootstrap: string;
  host: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
  stats(): BrokerStats;
}

const DAY = 24 * 60 * 60 * 1000;
const DEFAULT_PREALLOCATE_BYTES = 1024 * 1024;

export async function startBroker(options: BrokerOptions = {}): Promise<BrokerHandle> {
  const logger =
    options.logger ?? createJsonLogger(options.quiet ? 'warn' : (options.logLevel ?? 'info'));
  const host = options.host ?? '127.0.0.1';
  const temporary = options.dataDir === undefined;
  const dataDir = path.resolve(
    options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-kafka-')),
  );
  fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = await lockDataDir(dataDir);
  const retentionMs = options.retentionMs ?? 7 * DAY;
  const retentionBytes = options.retentionBytes ?? 1024 * 1024 * 1024;
  const durability = options.durability ?? 'fsync-before-ack';
  const nodeId = options.nodeId ?? 0;
  const defaultPartitions = options.defaultPartitions ?? 3;
  if (!Number.isInteger(defaultPartitions) || defaultPartitions < 1)
    throw new Error(`defaultPartitions must be a positive integer, got ${defaultPartitions}`);
  const preallocate = options.preallocateBytes;
  if (preallocate !== undefined && (!Number.isInteger(preallocate) || preallocate < 0))
    throw new Error(`preallocateBytes must be an integer >= 0, got ${preallocate}`);
  if (
    options.preallocateMode !== undefined &&
    !['sparse', 'zeros'].includes(options.preallocateMode)
  )
    throw new Error(
      `preallocateMode is 'sparse' or 'zeros', got ${String(options.preallocateMode)}`,
    );

  const started = Date.now();
  const topics = new TopicStore(
    dataDir,
    {
      segmentBytes: options.segmentBytes ?? 64 * 1024 * 1024,
      segmentMs: options.segmentMs ?? Math.min(DAY, Math.max(retentionMs, 1000)),
      indexIntervalBytes: 16 * 1024,
      preallocateBytes: options.preallocateBytes ?? DEFAULT_PREALLOCATE_BYTES,
      preallocateMode: options.preallocateMode ?? 'sparse',
      retentionMs,
      retentionBytes,
    },
    logger,
  );
  let offsets: OffsetStore;
  try {
    topics.load();
    offsets = new OffsetStore(dataDir, logger);
    offsets.load();
  } catch (error) {
    releaseLock();
    throw error;
  }
  const producerIds = new ProducerIdAllocator(dataDir);
  producerIds.load(topics.highestProducerId);
  const flusher = new GroupFlusher(logger);
  const groups = new GroupCoordinator({
    minSessionTimeoutMs: options.minSessionTimeoutMs ?? 1000,
    maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 30 * 60 * 1000,
    logger,
  });
  const parked = new Set<() => void>();
  // A wildcard listen address is not something a client can connect to: advertise loopback.
  const advertisedHost =
    options.advertisedHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  let bound = { host: advertisedHost, port: options.advertisedPort ?? 0 };
  const handlers = new RequestHandlers({
    topics,
    groups,
    offsets,
    producerIds,
    flusher,
    logger,
    nodeId,
    clusterId: 'embedded-kafka-cluster',
    advertised: () => bound,
    defaultPartitions,
    autoCreateTopics: options.autoCreateTopics ?? true,
    durability,
    parked,
  });

  const connections = new Set<Connection>();
  let nextConnectionId = 1;
  const maxFrameBytes = options.maxFrameBytes ?? 100 * 1024 * 1024;
  const server = net.createServer((socket) => {
    try {
      const c = new Connection(
        socket,
        nextConnectionId++,
        maxFrameBytes,
        handlers.dispatch,
        logger,
        (closed) => connections.delete(closed),
      );
      connections.add(c);
    } catch (error) {
      logger.error('failed to accept connection', { error: String(error) });
      socket.destroy();
    }
  });
  server.on('error', (error) => logger.error('server error', { error: error.message }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    topics.close();
    offsets.close();
    releaseLock();
    throw error;
  });
  const address = server.address() as net.AddressInfo;
  bound = { host: advertisedHost, port: options.advertisedPort ?? address.port };

  const retentionTimer = setInterval(
    () => {
      const now = Date.now();
      for (const t of topics.topics.values()) {
        for (const p of t.partitions) {
          try {
            p.log.applyRetention(now, t.settings.retentionMs, t.settings.retentionBytes);
          } catch (error) {
            logger.error('retention failed', {
              topic: t.name,
              partition: p.index,
              error: String(error),
            });
          }
        }
      }
    },
    options.retentionCheckIntervalMs ?? 5 * 60 * 1000,
  );
  retentionTimer.unref();

  logger.info('broker started', {
    bootstrap: `${bound.host}:${bound.port}`,
    dataDir,
    topics: topics.topics.size,
    durability,
    recoveryMs: Date.now() - started,
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(retentionTimer);
      groups.stop();
      // Answer parked long-polls so clients see a clean response before the close.
      for (const finish of [...parked]) finish();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of connections) c.close();
      });
      for (const t of topics.topics.values()) {
        for (const p of t.partitions) {
          try {
            fs.fsyncSync(p.log.active.fd);
          } catch {
            // closed by a concurrent delete
          }
        }
      }
      topics.close();
      offsets.close();
      releaseLock();
      if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
      logger.info('broker stopped', { bootstrap: `${bound.host}:${bound.port}` });
    })();
    return stopping;
  };

  return {
    bootstrap: `${bound.host}:${bound.port}`,
    host: bound.host,
    port: bound.port,
    dataDir,
    stop,
    stats: () =>
      collectStats({
        startedAt: started,
        topics,
        groups,
        offsets,
        connections: connections.size,
        fsyncRounds: flusher.rounds,
        requests: Object.fromEntries(
          [...handlers.requestCounts.entries()].map(([k, n]) => [ApiKey[k] ?? String(k), n]),
        ),
      }),
  };
}

/** One broker per data directory: a second one would interleave writes in the same files. */
async function lockDataDir(dataDir: string): Promise<() => void> {
  const lock = path.join(dataDir, 'broker.lock');
  // A holder killed a moment ago (kill -9 then restart) may still be exiting: wait a little.
  const deadline = Date.now() + 5000;
  for (;;) {
    let holder = 0;
    try {
      holder = Number(fs.readFileSync(lock, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (!holder || holder === process.pid || !processAlive(holder)) break;
    if (Date.now() > deadline)
      throw new Error(`data directory ${dataDir} is in use by process ${holder}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  fs.writeFileSync(lock, String(process.pid));
  return () => fs.rmSync(lock, { force: true });
}

function processAlive(pid: number): boolean {
  try {
    // A zombie (killed, not yet reaped) still answers kill(0) but holds no files.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}
