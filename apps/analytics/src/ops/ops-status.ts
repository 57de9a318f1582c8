/**
 * The pure part of the operators' view: which instances are down, rates from two cumulative
 * heartbeats, consumer lag from offsets, and the status document the dashboard draws. No I/O
 * here, so every rule is unit-tested (ops-status.spec.ts).
 */

export interface HeartbeatImport {
  fileId: string;
  linesDone: number;
  totalLines: number;
  linesPerSecond: number;
  etaSeconds?: number;
}

/** One instance as the ops tables hold it (the last heartbeat and the one before). */
export interface InstanceRow {
  service: string;
  instance: string;
  version: string;
  startedAt: Date;
  ready: boolean;
  uptimeSeconds: number | null;
  lastHeartbeatAt: Date;
  httpRequests: number | null;
  http4xx: number | null;
  http5xx: number | null;
  eventsHandled: number | null;
  eventsFailed: number | null;
  outboxBacklog: number | null;
  imports: HeartbeatImport[];
  /** The previous heartbeat's counters (rates), null before the second heartbeat. */
  previousAt: Date | null;
  previousHttpRequests: number | null;
  previousHttp4xx: number | null;
  previousHttp5xx: number | null;
  previousEventsHandled: number | null;
  previousEventsFailed: number | null;
}

export interface LagRow {
  groupId: string;
  topic: string;
  partition: number;
  committedOffset: string | null;
  endOffset: string;
  lag: number;
  measuredAt: Date;
}

export interface DeadLetterRow {
  sourceTopic: string;
  reason: string;
  count: number;
  lastAt: Date;
}

export interface StalenessRule {
  heartbeatIntervalMs: number;
  /** An instance is down once its last heartbeat is older than this many intervals. */
  downAfterHeartbeats: number;
}

export type InstanceState = 'up' | 'not-ready' | 'silent';
export type ServiceState = 'up' | 'degraded' | 'down';

export interface Rates {
  httpPerSecond: number | null;
  http4xxPerSecond: number | null;
  http5xxPerSecond: number | null;
  eventsPerSecond: number | null;
  failedPerSecond: number | null;
}

export interface InstanceStatus extends Rates {
  instance: string;
  state: InstanceState;
  ready: boolean;
  version: string;
  startedAt: string;
  lastHeartbeatAt: string;
  heartbeatAgeSeconds: number;
  uptimeSeconds: number | null;
  httpRequests: number | null;
  http4xx: number | null;
  http5xx: number | null;
  eventsHandled: number | null;
  eventsFailed: number | null;
  outboxBacklog: number | null;
}

export interface ServiceStatus extends Rates {
  service: string;
  state: ServiceState;
  /** Instances answering (fresh heartbeat and ready) over instances known. */
  instancesUp: number;
  instancesKnown: number;
  /** Newest heartbeat of any instance; null when none was ever seen. */
  lastHeartbeatAt: string | null;
  versions: string[];
  /** Oldest uptime among the live instances (how long the service has been fully up). */
  uptimeSeconds: number | null;
  /** The service's database has one outbox: the largest figure a live instance reported. */
  outboxBacklog: number | null;
  instances: InstanceStatus[];
}

export interface RunningImport extends HeartbeatImport {
  service: string;
  instance: string;
  /** 0..1, null when the file did not declare its line count. */
  progress: number | null;
}

export interface LagByGroupTopic {
  groupId: string;
  topic: string;
  lag: number;
  partitions: number;
  measuredAt: string;
}

export interface DeadLetterSummary {
  total: number;
  bySourceTopic: Array<{ sourceTopic: string; count: number }>;
  byReason: Array<{ sourceTopic: string; reason: string; count: number; lastAt: string }>;
}

export interface OpsStatus {
  generatedAt: string;
  heartbeatIntervalMs: number;
  downAfterSeconds: number;
  overall: ServiceState;
  totals: Rates & { outboxBacklog: number; consumerLag: number; deadLetters: number };
  services: ServiceStatus[];
  imports: RunningImport[];
  consumerLag: LagByGroupTopic[];
  lagMeasuredAt: string | null;
  deadLetters: DeadLetterSummary;
}

/** Milliseconds after its last heartbeat at which an instance counts as down. */
export function downAfterMs(rule: StalenessRule): number {
  return rule.heartbeatIntervalMs * rule.downAfterHeartbeats;
}

/** Up when its last heartbeat is recent enough and it said ready; otherwise why not. */
export function instanceState(row: Pick<InstanceRow, 'lastHeartbeatAt' | 'ready'>, now: Date, rule: StalenessRule): InstanceState {
  if (now.getTime() - row.lastHeartbeatAt.getTime() > downAfterMs(rule)) return 'silent';
  return row.ready ? 'up' : 'not-ready';
}

/**
 * Per-second rate of a cumulative counter between two heartbeats. Null when it cannot be told:
 * no previous heartbeat, no time between them, or the counter went down (the process restarted
 * and counts from zero again).
 */
export function ratePerSecond(current: number | null, previous: number | null, elapsedMs: number | null): number | null {
  if (current === null || previous === null || elapsedMs === null || elapsedMs <= 0) return null;
  if (current < previous) return null;
  return ((current - previous) * 1000) / elapsedMs;
}

/** Lag of one partition: messages after the committed offset (a group with no commit lags from the log start). */
export function partitionLag(committed: string | null | undefined, low: string, high: string): number {
  const end = BigInt(high);
  const from = committed === null || committed === undefined || committed === '-1' ? BigInt(low) : BigInt(committed);
  const lag = end - from;
  return lag < 0n ? 0 : Number(lag);
}

function instanceRates(row: InstanceRow): Rates {
  const elapsed = row.previousAt ? row.lastHeartbeatAt.getTime() - row.previousAt.getTime() : null;
  return {
    httpPerSecond: ratePerSecond(row.httpRequests, row.previousHttpRequests, elapsed),
    http4xxPerSecond: ratePerSecond(row.http4xx, row.previousHttp4xx, elapsed),
    http5xxPerSecond: ratePerSecond(row.http5xx, row.previousHttp5xx, elapsed),
    eventsPerSecond: ratePerSecond(row.eventsHandled, row.previousEventsHandled, elapsed),
    failedPerSecond: ratePerSecond(row.eventsFailed, row.previousEventsFailed, elapsed),
  };
}

const RATE_KEYS: Array<keyof Rates> = ['httpPerSecond', 'http4xxPerSecond', 'http5xxPerSecond', 'eventsPerSecond', 'failedPerSecond'];

/** Sum of the known rates; null when none is known. */
function sumRates(parts: Rates[]): Rates {
  const out = {} as Rates;
  for (const key of RATE_KEYS) {
    const known = parts.map((p) => p[key]).filter((v): v is number => v !== null);
    out[key] = known.length === 0 ? null : round(known.reduce((a, b) => a + b, 0), 2);
  }
  return out;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function serviceStateOf(instances: InstanceStatus[]): ServiceState {
  const up = instances.filter((i) => i.state === 'up').length;
  if (up === 0) return 'down';
  return up === instances.length ? 'up' : 'degraded';
}

export interface AssembleInput {
  now: Date;
  rule: StalenessRule;
  /** Services always listed (a service never heard of is down). */
  expectedServices: string[];
  instances: InstanceRow[];
  lag: LagRow[];
  deadLetters: DeadLetterRow[];
}

/** The status document of GET /ops/status (figures are added by the service). */
export function assembleOpsStatus(input: AssembleInput): OpsStatus {
  const { now, rule } = input;
  const byService = new Map<string, InstanceRow[]>();
  for (const name of input.expectedServices) byService.set(name, []);
  for (const row of input.instances) byService.set(row.service, [...(byService.get(row.service) ?? []), row]);

  const services: ServiceStatus[] = [];
  const imports: RunningImport[] = [];
  for (const [service, rows] of [...byService.entries()].sort(([a], [b]) => serviceOrder(a, b, input.expectedServices))) {
    const instances = rows
      .map((row): InstanceStatus => {
        const state = instanceState(row, now, rule);
        return {
          instance: row.instance,
          state,
          ready: row.ready,
          version: row.version,
          startedAt: row.startedAt.toISOString(),
          lastHeartbeatAt: row.lastHeartbeatAt.toISOString(),
          heartbeatAgeSeconds: round(Math.max(0, now.getTime() - row.lastHeartbeatAt.getTime()) / 1000, 1),
          uptimeSeconds: row.uptimeSeconds,
          httpRequests: row.httpRequests,
          http4xx: row.http4xx,
          http5xx: row.http5xx,
          eventsHandled: row.eventsHandled,
          eventsFailed: row.eventsFailed,
          outboxBacklog: row.outboxBacklog,
          // A silent instance's last rates are history, not current throughput.
          ...(state === 'silent' ? sumRates([]) : instanceRates(row)),
        };
      })
      .sort((a, b) => a.instance.localeCompare(b.instance));
    const live = instances.filter((i) => i.state !== 'silent');
    for (const row of rows) {
      if (instanceState(row, now, rule) === 'silent') continue;
      for (const file of row.imports) {
        imports.push({ ...file, service, instance: row.instance, progress: file.totalLines > 0 ? Math.min(1, file.linesDone / file.totalLines) : null });
      }
    }
    const backlogs = live.map((i) => i.outboxBacklog).filter((v): v is number => v !== null);
    const uptimes = instances.filter((i) => i.state === 'up').map((i) => i.uptimeSeconds).filter((v): v is number => v !== null);
    const newest = rows.reduce<Date | null>((acc, r) => (acc === null || r.lastHeartbeatAt > acc ? r.lastHeartbeatAt : acc), null);
    services.push({
      service,
      state: serviceStateOf(instances),
      instancesUp: instances.filter((i) => i.state === 'up').length,
      instancesKnown: instances.length,
      lastHeartbeatAt: newest ? newest.toISOString() : null,
      versions: [...new Set(live.map((i) => i.version))].sort(),
      uptimeSeconds: uptimes.length ? Math.min(...uptimes) : null,
      outboxBacklog: backlogs.length ? Math.max(...backlogs) : null,
      ...sumRates(live),
      instances,
    });
  }

  const consumerLag = lagByGroupTopic(input.lag);
  const deadLetters = summariseDeadLetters(input.deadLetters);
  const states = services.map((s) => s.state);
  return {
    generatedAt: now.toISOString(),
    heartbeatIntervalMs: rule.heartbeatIntervalMs,
    downAfterSeconds: downAfterMs(rule) / 1000,
    overall: states.every((s) => s === 'up') ? 'up' : states.some((s) => s === 'down') ? 'down' : 'degraded',
    totals: {
      ...sumRates(services),
      outboxBacklog: services.reduce((sum, s) => sum + (s.outboxBacklog ?? 0), 0),
      consumerLag: consumerLag.reduce((sum, l) => sum + l.lag, 0),
      deadLetters: deadLetters.total,
    },
    services,
    imports: imports.sort((a, b) => a.fileId.localeCompare(b.fileId)),
    consumerLag,
    lagMeasuredAt: input.lag.reduce<Date | null>((acc, l) => (acc === null || l.measuredAt > acc ? l.measuredAt : acc), null)?.toISOString() ?? null,
    deadLetters,
  };
}

function serviceOrder(a: string, b: string, expected: string[]): number {
  const ia = expected.indexOf(a);
  const ib = expected.indexOf(b);
  if (ia !== -1 && ib !== -1) return ia - ib;
  if (ia !== -1) return -1;
  if (ib !== -1) return 1;
  return a.localeCompare(b);
}

/** Partitions summed per group and topic, the largest lag first. */
export function lagByGroupTopic(rows: LagRow[]): LagByGroupTopic[] {
  const map = new Map<string, LagByGroupTopic>();
  for (const row of rows) {
    const key = `${row.groupId}\u0000${row.topic}`;
    const entry = map.get(key) ?? { groupId: row.groupId, topic: row.topic, lag: 0, partitions: 0, measuredAt: row.measuredAt.toISOString() };
    entry.lag += row.lag;
    entry.partitions += 1;
    if (row.measuredAt.toISOString() > entry.measuredAt) entry.measuredAt = row.measuredAt.toISOString();
    map.set(key, entry);
  }
  return [...map.values()].sort((a, b) => b.lag - a.lag || a.groupId.localeCompare(b.groupId) || a.topic.localeCompare(b.topic));
}

export function summariseDeadLetters(rows: DeadLetterRow[]): DeadLetterSummary {
  const bySource = new Map<string, number>();
  for (const row of rows) bySource.set(row.sourceTopic, (bySource.get(row.sourceTopic) ?? 0) + row.count);
  return {
    total: rows.reduce((sum, r) => sum + r.count, 0),
    bySourceTopic: [...bySource.entries()].map(([sourceTopic, count]) => ({ sourceTopic, count })).sort((a, b) => b.count - a.count || a.sourceTopic.localeCompare(b.sourceTopic)),
    byReason: rows
      .map((r) => ({ sourceTopic: r.sourceTopic, reason: r.reason, count: r.count, lastAt: r.lastAt.toISOString() }))
      .sort((a, b) => b.count - a.count || a.sourceTopic.localeCompare(b.sourceTopic) || a.reason.localeCompare(b.reason)),
  };
}

// Reasons carry specifics (an event id, a value); the counts group by their general form.
const MAX_REASON = 200;

/** The reason a dead letter is counted under: its first line, ids and numbers masked, bounded. */
export function reasonCategory(reason: string | undefined): string {
  if (!reason) return '(no reason given)';
  const firstLine = (reason.split('\n', 1)[0] ?? '').trim();
  const masked = firstLine
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\b\d{4,}\b/g, '<n>');
  return masked.length > MAX_REASON ? `${masked.slice(0, MAX_REASON - 1)}…` : masked || '(no reason given)';
}
