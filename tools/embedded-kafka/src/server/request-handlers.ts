// Request decoding, handling and response encoding for every supported API key and version.
// Field layouts follow apache/kafka clients/src/main/resources/common/message/*.json.
import { ApiKey, SUPPORTED_VERSIONS, isSupported } from '../protocol/api-keys';
import { Reader, Writer } from '../protocol/codec';
import { ErrorCode } from '../protocol/error-codes';
import { BatchField, readInt64 } from '../protocol/record-batch';
import { splitProducedBatches } from '../protocol/record-batch';
import type { BrokerLogger } from '../logger';
import type { GroupCoordinator } from '../group/group-coordinator';
import type { GroupFlusher } from '../storage/flusher';
import type { OffsetStore } from '../storage/offset-store';
import type { ProducerIdAllocator } from '../storage/producer-ids';
import { lastSequence } from '../storage/producer-state';
import { Partition, TopicStore, topicNameProblem } from '../storage/topic-store';
import type { HandlerResult, RequestContext } from './connection';

export type Durability = 'fsync-before-ack' | 'os';

export interface HandlerDeps {
  topics: TopicStore;
  groups: GroupCoordinator;
  offsets: OffsetStore;
  producerIds: ProducerIdAllocator;
  flusher: GroupFlusher;
  logger: BrokerLogger;
  nodeId: number;
  clusterId: string;
  advertised: () => { host: string; port: number };
  defaultPartitions: number;
  autoCreateTopics: boolean;
  durability: Durability;
  /** Parked long-poll fetches, so that stop() can release them. */
  parked: Set<() => void>;
}

type Body = HandlerResult | Promise<HandlerResult>;

const THROTTLE = 0;
/** Each partition holds an open segment file: a bound keeps a bad request from exhausting descriptors. */
const MAX_PARTITIONS = 1000;

function done(w: Writer): HandlerResult {
  return w.finish();
}

/** Reads a request array of records into a list. */
function arr<T>(r: Reader, read: (r: Reader) => T): T[] {
  return r.array(read);
}

export class RequestHandlers {
  readonly requestCounts = new Map<number, number>();

  constructor(private readonly d: HandlerDeps) {}

  dispatch = (ctx: RequestContext): Body => {
    const { apiKey, apiVersion } = ctx;
    this.requestCounts.set(apiKey, (this.requestCounts.get(apiKey) ?? 0) + 1);
    if (apiKey === ApiKey.ApiVersions) return this.apiVersions(ctx);
    if (!isSupported(apiKey, apiVersion)) {
      this.d.logger.warn('unsupported API key or version', {
        apiKey,
        apiVersion,
        clientId: ctx.clientId,
        connection: ctx.connection.id,
      });
      // No body layout is known for an unknown key/version: answer with the error code first,
      // which is where every response of these APIs that has a top-level error puts it.
      return [new Writer(8).int16(ErrorCode.UNSUPPORTED_VERSION).toBuffer()];
    }
    const v = apiVersion;
    const r = ctx.body;
    switch (apiKey as ApiKey) {
      case ApiKey.Metadata:
        return this.metadata(r, v);
      case ApiKey.Produce:
        return this.produce(r, v);
      case ApiKey.Fetch:
        return this.fetch(r, v, ctx);
      case ApiKey.ListOffsets:
        return this.listOffsets(r, v);
      case ApiKey.FindCoordinator:
        return this.findCoordinator(r, v);
      case ApiKey.JoinGroup:
        return this.joinGroup(r, v, ctx);
      case ApiKey.SyncGroup:
        return this.syncGroup(r, v);
      case ApiKey.Heartbeat:
        return this.heartbeat(r, v);
      case ApiKey.LeaveGroup:
        return this.leaveGroup(r, v);
      case ApiKey.OffsetCommit:
        return this.offsetCommit(r, v);
      case ApiKey.OffsetFetch:
        return this.offsetFetch(r, v);
      case ApiKey.InitProducerId:
        return this.initProducerId(r, v);
      case ApiKey.CreateTopics:
        return this.createTopics(r, v);
      case ApiKey.DeleteTopics:
        return this.deleteTopics(r, v);
      case ApiKey.DescribeGroups:
        return this.describeGroups(r, v);
      case ApiKey.ListGroups:
        return this.listGroups(v);
      default:
        return [new Writer(8).int16(ErrorCode.UNSUPPORTED_VERSION).toBuffer()];
    }
  };

  // ---- ApiVersions (18) ----------------------------------------------------------------

  private apiVersions(ctx: RequestContext): HandlerResult {
    const v = ctx.apiVersion;
    const keys = [...SUPPORTED_VERSIONS.entries()].sort((a, b) => a[0] - b[0]);
    const w = new Writer(512);
    if (v < 0 || v > 3) {
      // Too new for us: a v0 body with UNSUPPORTED_VERSION and our key list, so the client
      // can retry with a version we know (KIP-511).
      w.int16(ErrorCode.UNSUPPORTED_VERSION).array(keys, (w, [k, [min, max]]) =>
        w.int16(k).int16(min).int16(max),
      );
      return done(w);
    }
    if (v >= 3) {
      // Request header v2 carries tagged fields; the body has the client software name.
      const r = ctx.body;
      r.taggedFields();
      r.compactString();
      r.compactString();
      r.taggedFields();
      w.int16(ErrorCode.NONE)
        .compactArray(keys, (w, [k, [min, max]]) =>
          w.int16(k).int16(min).int16(max).emptyTaggedFields(),
        )
        .int32(THROTTLE)
        .emptyTaggedFields();
      return done(w);
    }
    w.int16(ErrorCode.NONE).array(keys, (w, [k, [min, max]]) => w.int16(k).int16(min).int16(max));
    if (v >= 1) w.int32(THROTTLE);
    return done(w);
  }

  // ---- Metadata (3) --------------------------------------------------------------------

  private metadata(r: Reader, v: number): HandlerResult {
    const requested =
      v === 0 ? r.array((r) => r.string(), 2) : r.nullableArray((r) => r.string(), 2);
    const allowAutoCreate = v >= 4 ? r.bool() : true;
    const all = requested === null || (v === 0 && requested.length === 0);
    const names = all ? [...this.d.topics.topics.keys()] : (requested as string[]);
    const self = this.d.advertised();
    const w = new Writer(1024);
    if (v >= 3) w.int32(THROTTLE);
    w.array([0], (w) => {
      w.int32(this.d.nodeId).string(self.host).int32(self.port);
      if (v >= 1) w.nullableString(null);
    });
    if (v >= 2) w.nullableString(this.d.clusterId);
    if (v >= 1) w.int32(this.d.nodeId);
    const seen = new Set<string>();
    const unique = names.filter((n) => (seen.has(n) ? false : (seen.add(n), true)));
    w.array(unique, (w, name) => {
      let topic = this.d.topics.topics.get(name);
      let error = ErrorCode.NONE;
      if (!topic) {
        const problem = topicNameProblem(name);
        if (problem) error = ErrorCode.INVALID_TOPIC_EXCEPTION;
        else if (allowAutoCreate && this.d.autoCreateTopics)
          topic = this.d.topics.create(name, this.d.defaultPartitions);
        else error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      }
      w.int16(error).string(name);
      if (v >= 1) w.bool(false);
      w.array(topic?.partitions ?? [], (w, p) => {
        w.int16(ErrorCode.NONE).int32(p.index).int32(this.d.nodeId);
        w.int32(1).int32(this.d.nodeId);
        w.int32(1).int32(this.d.nodeId);
        if (v >= 5) w.int32(0);
      });
    });
    return done(w);
  }

  // ---- Produce (0) ---------------------------------------------------------------------

  private produce(r: Reader, v: number): Body {
    if (v >= 3) r.nullableString();
    const acks = r.int16();
    r.int32();
    const topics = arr(r, (r) => ({
      name: r.string(),
      partitions: arr(r, (r) => ({ index: r.int32(), records: r.nullableBytes() })),
    }));
    type Result = {
      index: number;
      error: ErrorCode;
      baseOffset: number;
      logStart: number;
      flush?: Partition;
    };
    const results: Array<{ name: string; partitions: Result[] }> = [];
    const toFlush = new Set<Partition>();
    for (const t of topics) {
      const out: Result[] = [];
      results.push({ name: t.name, partitions: out });
      for (const tp of t.partitions) {
        const res: Result = {
          index: tp.index,
          error: ErrorCode.NONE,
          baseOffset: -1,
          logStart: -1,
        };
        out.push(res);
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          res.error = ErrorCode.INVALID_REQUIRED_ACKS;
          continue;
        }
        const partition = this.d.topics.partition(t.name, tp.index);
        if (!partition) {
          res.error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          continue;
        }
        res.logStart = partition.log.logStartOffset;
        if (!tp.records || tp.records.length === 0) {
          res.error = ErrorCode.INVALID_RECORD;
          continue;
        }
        const split = splitProducedBatches(tp.records);
        if ('problem' in split) {
          res.error =
            split.problem.code === 'corrupt' ? ErrorCode.CORRUPT_MESSAGE : ErrorCode.INVALID_RECORD;
          this.d.logger.warn('rejected produced batch', {
            topic: t.name,
            partition: tp.index,
            reason: split.problem.reason,
          });
          continue;
        }
        try {
          res.baseOffset = this.appendBatches(partition, split.batches, res);
        } catch (error) {
          res.error = ErrorCode.KAFKA_STORAGE_ERROR;
          this.d.logger.error('append failed', {
            topic: t.name,
            partition: tp.index,
            error: String(error),
          });
          continue;
        }
        if (res.error === ErrorCode.NONE) toFlush.add(partition);
      }
    }
    for (const p of toFlush) p.wake();
    if (acks === 0) return null;
    const encode = (): HandlerResult => {
      const w = new Writer(256);
      w.array(results, (w, t) => {
        w.string(t.name).array(t.partitions, (w, p) => {
          w.int32(p.index)
            .int16(p.error)
            .int64(p.error === ErrorCode.NONE ? p.baseOffset : -1);
          if (v >= 2) w.int64(-1);
          if (v >= 5) w.int64(p.logStart);
        });
      });
      if (v >= 1) w.int32(THROTTLE);
      return done(w);
    };
    if (acks === -1 && this.d.durability === 'fsync-before-ack' && toFlush.size > 0) {
      return Promise.all(
        [...toFlush].map((p) =>
          this.d.flusher.flush(p.log).catch(() => {
            for (const t of results)
              if (t.name === p.topic)
                for (const r of t.partitions)
                  if (r.index === p.index) r.error = ErrorCode.KAFKA_STORAGE_ERROR;
          }),
        ),
      ).then(encode);
    }
    return encode();
  }

  /** Appends validated batches, applying idempotent-producer sequence rules. */
  private appendBatches(
    partition: Partition,
    batches: Buffer[],
    res: { error: ErrorCode },
  ): number {
    const idempotent = batches.some((b) => readInt64(b, BatchField.ProducerId) >= 0);
    if (!idempotent) return partition.log.append(batches);
    let first = -1;
    for (const b of batches) {
      const pid = readInt64(b, BatchField.ProducerId);
      if (pid < 0) {
        const at = partition.log.append([b]);
        if (first < 0) first = at;
        continue;
      }
      const epoch = b.readInt16BE(BatchField.ProducerEpoch);
      const firstSeq = b.readInt32BE(BatchField.BaseSequence);
      const lastSeq = lastSequence(firstSeq, b.readInt32BE(BatchField.RecordsCount));
      const check = partition.producers.check(pid, epoch, firstSeq, lastSeq);
      if (check.kind === 'error') {
        res.error = check.code;
        this.d.logger.info('idempotent produce rejected', {
          topic: partition.topic,
          partition: partition.index,
          producerId: pid,
          epoch,
          firstSeq,
          error: ErrorCode[check.code],
        });
        return -1;
      }
      if (check.kind === 'duplicate') {
        if (first < 0) first = check.baseOffset;
        continue;
      }
      const at = partition.log.append([b]);
      partition.producers.record(pid, epoch, firstSeq, lastSeq, at);
      if (first < 0) first = at;
    }
    return first;
  }

  // ---- Fetch (1) -----------------------------------------------------------------------

  private fetch(r: Reader, v: number, ctx: RequestContext): Body {
    r.int32();
    const maxWait = r.int32();
    const minBytes = r.int32();
    const maxBytes = v >= 3 ? r.int32() : 0x7fffffff;
    if (v >= 4) r.int8();
    if (v >= 7) {
      r.int32();
      r.int32();
    }
    const topics = arr(r, (r) => ({
      name: r.string(),
      partitions: arr(r, (r) => {
        const index = r.int32();
        if (v >= 9) r.int32();
        const offset = r.int64();
        if (v >= 5) r.int64();
        return { index, offset, maxBytes: r.int32() };
      }),
    }));
    if (v >= 7) arr(r, (r) => ({ name: r.string(), partitions: r.array((r) => r.int32(), 4) }));
    if (v >= 11) r.string();

    const available = (): number => {
      let total = 0;
      for (const t of topics) {
        for (const p of t.partitions) {
          const partition = this.d.topics.partition(t.name, p.index);
          if (!partition) return Infinity;
          const log = partition.log;
          if (p.offset > log.logEndOffset || p.offset < log.logStartOffset) return Infinity;
          total += log.bytesAvailableFrom(p.offset);
        }
      }
      return total;
    };
    const respond = (): HandlerResult => this.encodeFetch(v, topics, maxBytes);
    const deadline = ctx.receivedAt + Math.max(0, maxWait);
    if (maxWait <= 0 || minBytes <= 0 || available() >= minBytes) return respond();

    return new Promise<HandlerResult>((resolve, reject) => {
      const partitions: Partition[] = [];
      for (const t of topics)
        for (const p of t.partitions) {
          const partition = this.d.topics.partition(t.name, p.index);
          if (partition) partitions.push(partition);
        }
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        for (const p of partitions) p.waiters.delete(wake);
        this.d.parked.delete(finish);
        try {
          resolve(respond());
        } catch (error) {
          // Reaches the connection, which logs it and closes only this client.
          reject(error);
        }
      };
      const wake = (): void => {
        if (ctx.connection.closed || available() >= Math.max(1, minBytes)) finish();
      };
      // Fire a millisecond early: timers never fire before their delay, so this keeps the
      // response inside the client's maxWait.
      const timer = setTimeout(finish, Math.max(0, deadline - Date.now() - 1));
      for (const p of partitions) p.waiters.add(wake);
      this.d.parked.add(finish);
    });
  }

  private encodeFetch(
    v: number,
    topics: Array<{
      name: string;
      partitions: Array<{ index: number; offset: number; maxBytes: number }>;
    }>,
    maxBytes: number,
  ): HandlerResult {
    const w = new Writer(512);
    if (v >= 1) w.int32(THROTTLE);
    if (v >= 7) w.int16(ErrorCode.NONE).int32(0);
    let budget = maxBytes;
    let any = false;
    w.array(topics, (w, t) => {
      w.string(t.name).array(t.partitions, (w, p) => {
        const partition = this.d.topics.partition(t.name, p.index);
        let error = ErrorCode.NONE;
        let records: Buffer | null = null;
        let hw = -1;
        let start = -1;
        if (!partition) error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else {
          const log = partition.log;
          hw = log.logEndOffset;
          start = log.logStartOffset;
          // The first batch of the response is always returned whole (else a consumer could
          // never get past a batch larger than its limits); after it both limits hold.
          const limit = any
            ? Math.min(p.maxBytes, budget)
            : Math.max(1, Math.min(p.maxBytes, budget));
          if (limit > 0 || !any) {
            const read = log.read(p.offset, Math.max(limit, 1));
            if (read.kind === 'out-of-range') error = ErrorCode.OFFSET_OUT_OF_RANGE;
            else if (read.records && (!any || read.records.length <= budget)) {
              records = read.records;
              budget -= records.length;
              any = true;
            }
          }
        }
        w.int32(p.index).int16(error).int64(hw);
        if (v >= 4) w.int64(hw);
        if (v >= 5) w.int64(start);
        if (v >= 4) w.int32(0);
        if (v >= 11) w.int32(-1);
        if (records) w.bytes(records);
        else w.int32(0);
      });
    });
    return done(w);
  }

  // ---- ListOffsets (2) -----------------------------------------------------------------

  private listOffsets(r: Reader, v: number): HandlerResult {
    r.int32();
    if (v >= 2) r.int8();
    const topics = arr(r, (r) => ({
      name: r.string(),
      partitions: arr(r, (r) => {
        const index = r.int32();
        const timestamp = r.int64();
        if (v === 0) r.int32();
        return { index, timestamp };
      }),
    }));
    const w = new Writer(256);
    if (v >= 2) w.int32(THROTTLE);
    w.array(topics, (w, t) => {
      w.string(t.name).array(t.partitions, (w, p) => {
        const partition = this.d.topics.partition(t.name, p.index);
        let offset = -1;
        let error = ErrorCode.NONE;
        if (!partition) error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (p.timestamp === -1) offset = partition.log.logEndOffset;
        else if (p.timestamp === -2) offset = partition.log.logStartOffset;
        else offset = partition.log.offsetForTimestamp(p.timestamp);
        w.int32(p.index).int16(error);
        if (v === 0)
          w.array(error === ErrorCode.NONE && offset >= 0 ? [offset] : [], (w, o) => w.int64(o));
        else w.int64(-1).int64(offset);
      });
    });
    return done(w);
  }

  // ---- FindCoordinator (10) ------------------------------------------------------------

  private findCoordinator(r: Reader, v: number): HandlerResult {
    r.string();
    if (v >= 1) r.int8();
    const self = this.d.advertised();
    const w = new Writer(64);
    if (v >= 1) w.int32(THROTTLE);
    w.int16(ErrorCode.NONE);
    if (v >= 1) w.nullableString(null);
    w.int32(this.d.nodeId).string(self.host).int32(self.port);
    return done(w);
  }

  // ---- Groups (11, 12, 13, 14) ---------------------------------------------------------

  private joinGroup(r: Reader, v: number, ctx: RequestContext): Body {
    const groupId = r.string();
    const sessionTimeoutMs = r.int32();
    const rebalanceTimeoutMs = v >= 1 ? r.int32() : sessionTimeoutMs;
    const memberId = r.string();
    const groupInstanceId = v >= 5 ? r.nullableString() : null;
    const protocolType = r.string();
    const protocols = arr(r, (r) => ({ name: r.string(), metadata: Buffer.from(r.bytes()) }));
    const encode = (res: Awaited<ReturnType<GroupCoordinator['joinGroup']>>): HandlerResult => {
      const w = new Writer(256);
      if (v >= 2) w.int32(THROTTLE);
      w.int16(res.errorCode)
        .int32(res.generationId)
        .string(res.protocolName)
        .string(res.leader)
        .string(res.memberId);
      w.array(res.members, (w, m) => {
        w.string(m.memberId);
        if (v >= 5) w.nullableString(m.groupInstanceId);
        w.bytes(m.metadata);
      });
      return done(w);
    };
    const result = this.d.groups.joinGroup({
      groupId,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      memberId,
      groupInstanceId,
      protocolType,
      protocols,
      clientId: ctx.clientId ?? '',
      clientHost: `/${ctx.connection.socket.remoteAddress ?? ''}`,
      requireKnownMemberId: v >= 4,
    });
    return result instanceof Promise ? result.then(encode) : encode(result);
  }

  private syncGroup(r: Reader, v: number): Body {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    if (v >= 3) r.nullableString();
    const assignments = arr(r, (r) => ({
      memberId: r.string(),
      assignment: Buffer.from(r.bytes()),
    }));
    const encode = (res: { errorCode: ErrorCode; assignment: Buffer }): HandlerResult => {
      const w = new Writer(128);
      if (v >= 1) w.int32(THROTTLE);
      w.int16(res.errorCode).bytes(res.assignment);
      return done(w);
    };
    const result = this.d.groups.syncGroup(groupId, generationId, memberId, assignments);
    return result instanceof Promise ? result.then(encode) : encode(result);
  }

  private heartbeat(r: Reader, v: number): HandlerResult {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    if (v >= 3) r.nullableString();
    const w = new Writer(16);
    if (v >= 1) w.int32(THROTTLE);
    w.int16(this.d.groups.heartbeat(groupId, generationId, memberId));
    return done(w);
  }

  private leaveGroup(r: Reader, v: number): HandlerResult {
    const groupId = r.string();
    const w = new Writer(64);
    if (v >= 1) w.int32(THROTTLE);
    if (v <= 2) {
      w.int16(this.d.groups.leaveGroup(groupId, r.string()));
      return done(w);
    }
    const members = arr(r, (r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() }));
    const results = members.map((m) => ({
      ...m,
      error: this.d.groups.leaveGroup(groupId, m.memberId),
    }));
    w.int16(ErrorCode.NONE).array(results, (w, m) =>
      w.string(m.memberId).nullableString(m.groupInstanceId).int16(m.error),
    );
    return done(w);
  }

  // ---- Offsets (8, 9) ------------------------------------------------------------------

  private offsetCommit(r: Reader, v: number): Body {
    const groupId = r.string();
    const generationId = v >= 1 ? r.int32() : -1;
    const memberId = v >= 1 ? r.string() : '';
    if (v >= 2 && v <= 4) r.int64();
    const topics = arr(r, (r) => ({
      name: r.string(),
      partitions: arr(r, (r) => {
        const index = r.int32();
        const offset = r.int64();
        if (v === 1) r.int64();
        return { index, offset, metadata: r.nullableString() };
      }),
    }));
    const groupError =
      v >= 1 ? this.d.groups.validateCommit(groupId, generationId, memberId) : ErrorCode.NONE;
    const entries: Array<[string, number, number, string | null]> = [];
    const results = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        let error = groupError;
        if (error === ErrorCode.NONE && !this.d.topics.partition(t.name, p.index))
          error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        if (error === ErrorCode.NONE) entries.push([t.name, p.index, p.offset, p.metadata]);
        return { index: p.index, error };
      }),
    }));
    const encode = (): HandlerResult => {
      const w = new Writer(128);
      if (v >= 3) w.int32(THROTTLE);
      w.array(results, (w, t) =>
        w.string(t.name).array(t.partitions, (w, p) => w.int32(p.index).int16(p.error)),
      );
      return done(w);
    };
    if (entries.length === 0) return encode();
    try {
      this.d.offsets.commit(groupId, entries);
    } catch (error) {
      this.d.logger.error('offset commit write failed', { group: groupId, error: String(error) });
      for (const t of results)
        for (const p of t.partitions)
          if (p.error === ErrorCode.NONE) p.error = ErrorCode.KAFKA_STORAGE_ERROR;
      return encode();
    }
    if (this.d.durability === 'fsync-before-ack')
      return this.d.flusher.flush(this.d.offsets).then(encode, encode);
    return encode();
  }

  private offsetFetch(r: Reader, v: number): HandlerResult {
    const groupId = r.string();
    const read = (r: Reader): { name: string; partitions: number[] } => ({
      name: r.string(),
      partitions: r.array((r) => r.int32(), 4),
    });
    let topics = v >= 2 ? r.nullableArray(read) : r.array(read);
    if (topics === null) {
      const committed = this.d.offsets.groups.get(groupId);
      topics = committed
        ? [...committed.entries()].map(([name, parts]) => ({ name, partitions: [...parts.keys()] }))
        : [];
    }
    const w = new Writer(256);
    if (v >= 3) w.int32(THROTTLE);
    w.array(topics, (w, t) => {
      w.string(t.name).array(t.partitions, (w, index) => {
        const c = this.d.offsets.get(groupId, t.name, index);
        w.int32(index)
          .int64(c ? c.offset : -1)
          .nullableString(c ? c.metadata : '')
          .int16(ErrorCode.NONE);
      });
    });
    if (v >= 2) w.int16(ErrorCode.NONE);
    return done(w);
  }

  // ---- InitProducerId (22) -------------------------------------------------------------

  private initProducerId(r: Reader, _v: number): HandlerResult {
    const transactionalId = r.nullableString();
    r.int32();
    const w = new Writer(32).int32(THROTTLE);
    if (transactionalId !== null) {
      this.d.logger.warn('transactional producer refused: transactions are not supported', {
        transactionalId,
      });
      w.int16(ErrorCode.UNSUPPORTED_VERSION).int64(-1).int16(-1);
      return done(w);
    }
    w.int16(ErrorCode.NONE).int64(this.d.producerIds.allocate()).int16(0);
    return done(w);
  }

  // ---- Admin (19, 20, 15, 16) ----------------------------------------------------------

  private createTopics(r: Reader, v: number): HandlerResult {
    const topics = arr(r, (r) => ({
      name: r.string(),
      partitions: r.int32(),
      replicationFactor: r.int16(),
      assignments: arr(r, (r) => ({ index: r.int32(), brokers: r.array((r) => r.int32(), 4) })),
      configs: arr(r, (r) => ({ name: r.string(), value: r.nullableString() })),
    }));
    r.int32();
    const validateOnly = v >= 1 ? r.bool() : false;
    const results = topics.map((t) => {
      const fail = (
        error: ErrorCode,
        message: string,
      ): { name: string; error: ErrorCode; message: string | null } => ({
        name: t.name,
        error,
        message,
      });
      const problem = topicNameProblem(t.name);
      if (problem) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
      if (this.d.topics.topics.has(t.name))
        return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
      const count =
        t.assignments.length > 0
          ? t.assignments.length
          : t.partitions === -1
            ? this.d.defaultPartitions
            : t.partitions;
      if (count <= 0 || count > MAX_PARTITIONS)
        return fail(
          ErrorCode.INVALID_PARTITIONS,
          `number of partitions must be between 1 and ${MAX_PARTITIONS}`,
        );
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        return fail(
          ErrorCode.INVALID_REPLICATION_FACTOR,
          'this single-node broker only supports replication factor 1',
        );
      }
      if (!validateOnly) {
        const configs: Record<string, string | null> = {};
        for (const c of t.configs) configs[c.name] = c.value;
        this.d.topics.create(t.name, count, configs);
      }
      return { name: t.name, error: ErrorCode.NONE, message: null };
    });
    const w = new Writer(128);
    if (v >= 2) w.int32(THROTTLE);
    w.array(results, (w, t) => {
      w.string(t.name).int16(t.error);
      if (v >= 1) w.nullableString(t.message);
    });
    return done(w);
  }

  private deleteTopics(r: Reader, v: number): HandlerResult {
    const names = r.array((r) => r.string(), 2);
    r.int32();
    const results = names.map((name) => {
      if (!this.d.topics.delete(name)) return { name, error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      this.d.offsets.deleteTopic(name);
      return { name, error: ErrorCode.NONE };
    });
    const w = new Writer(64);
    if (v >= 1) w.int32(THROTTLE);
    w.array(results, (w, t) => w.string(t.name).int16(t.error));
    return done(w);
  }

  private describeGroups(r: Reader, v: number): HandlerResult {
    const ids = r.array((r) => r.string(), 2);
    const w = new Writer(256);
    if (v >= 1) w.int32(THROTTLE);
    w.array(ids, (w, id) => {
      const g = this.d.groups.groups.get(id);
      const hasOffsets = this.d.offsets.groups.has(id);
      const state = g ? g.state : hasOffsets ? 'Empty' : 'Dead';
      w.int16(ErrorCode.NONE)
        .string(id)
        .string(state)
        .string(g?.protocolType ?? '')
        .string(g && g.state === 'Stable' ? (g.protocolName ?? '') : '');
      w.array(g ? [...g.members.values()] : [], (w, m) => {
        w.string(m.id)
          .string(m.clientId)
          .string(m.clientHost)
          .bytes(m.metadataFor(g?.protocolName ?? null))
          .bytes(m.assignment);
      });
    });
    return done(w);
  }

  private listGroups(v: number): HandlerResult {
    const ids = new Map<string, string>();
    for (const id of this.d.offsets.groups.keys()) ids.set(id, 'consumer');
    for (const g of this.d.groups.groups.values()) ids.set(g.id, g.protocolType ?? 'consumer');
    const w = new Writer(256);
    if (v >= 1) w.int32(THROTTLE);
    w.int16(ErrorCode.NONE).array([...ids.entries()], (w, [id, type]) => w.string(id).string(type));
    return done(w);
  }
}
