// Consumer group coordinator: Empty -> PreparingRebalance -> CompletingRebalance -> Stable.
// A rebalance parks every JoinGroup until all known members have rejoined (or the largest
// rebalance timeout passes, evicting the rest); followers' SyncGroup waits for the leader's.
// Members learn of a rebalance from Heartbeat/OffsetCommit errors, as with a real broker.
import { randomUUID } from 'node:crypto';
import type { BrokerLogger } from '../logger';
import { ErrorCode } from '../protocol/error-codes';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: GroupProtocol[];
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+: a first join without a member id gets MEMBER_ID_REQUIRED. */
  requireKnownMemberId: boolean;
}

export interface JoinGroupResult {
  errorCode: ErrorCode;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncGroupResult {
  errorCode: ErrorCode;
  assignment: Buffer;
}

export interface CoordinatorOptions {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  logger: BrokerLogger;
}

const EMPTY = Buffer.alloc(0);

export class GroupMember {
  assignment: Buffer = EMPTY;
  joinResolve?: (r: JoinGroupResult) => void;
  syncResolve?: (r: SyncGroupResult) => void;
  lastSeen = Date.now();
  timer?: NodeJS.Timeout;

  constructor(
    readonly id: string,
    public groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    public protocolType: string,
    public protocols: GroupProtocol[],
  ) {}

  metadataFor(protocol: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY;
  }
}

export class ConsumerGroup {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, GroupMember>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, awaiting their second JoinGroup. */
  readonly pending = new Map<string, NodeJS.Timeout>();
  rebalanceTimer?: NodeJS.Timeout;
  syncTimer?: NodeJS.Timeout;

  constructor(readonly id: string) {}
}

function sameProtocols(a: GroupProtocol[], b: GroupProtocol[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => p.name === b[i].name && p.metadata.equals(b[i].metadata))
  );
}

export class GroupCoordinator {
  readonly groups = new Map<string, ConsumerGroup>();
  private stopped = false;

  constructor(private readonly options: CoordinatorOptions) {}

  private get log(): BrokerLogger {
    return this.options.logger;
  }

  joinGroup(req: JoinGroupRequest): Promise<JoinGroupResult> | JoinGroupResult {
    const fail = (errorCode: ErrorCode, memberId = req.memberId): JoinGroupResult => ({
      errorCode,
      generationId: -1,
      protocolName: '',
      leader: '',
      memberId,
      members: [],
    });
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (
      req.sessionTimeoutMs < this.options.minSessionTimeoutMs ||
      req.sessionTimeoutMs > this.options.maxSessionTimeoutMs
    )
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    if (req.protocols.length === 0 || req.protocolType === '')
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    let group = this.groups.get(req.groupId);
    if (!group) {
      group = new ConsumerGroup(req.groupId);
      this.groups.set(req.groupId, group);
    }
    const others = [...group.members.values()].filter((m) => m.id !== req.memberId);
    if (others.length > 0) {
      if (group.protocolType !== null && group.protocolType !== req.protocolType)
        return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      const common = req.protocols.filter((p) =>
        others.every((m) => m.protocols.some((q) => q.name === p.name)),
      );
      if (common.length === 0) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }

    if (req.memberId === '') {
      const memberId = `${req.clientId || 'member'}-${randomUUID()}`;
      if (req.requireKnownMemberId) {
        const g = group;
        const timer = setTimeout(
          this.guard(() => {
            g.pending.delete(memberId);
            this.maybeCompleteJoin(g);
          }),
          req.sessionTimeoutMs,
        );
        timer.unref();
        group.pending.set(memberId, timer);
        return fail(ErrorCode.MEMBER_ID_REQUIRED, memberId);
      }
      return this.addMemberAndRebalance(group, memberId, req);
    }
    const pendingTimer = group.pending.get(req.memberId);
    if (pendingTimer) {
      clearTimeout(pendingTimer);
      group.pending.delete(req.memberId);
      return this.addMemberAndRebalance(group, req.memberId, req);
    }
    const member = group.members.get(req.memberId);
    if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    return this.rejoin(group, member, req);
  }

  private addMemberAndRebalance(
    group: ConsumerGroup,
    memberId: string,
    req: JoinGroupRequest,
  ): Promise<JoinGroupResult> {
    const member = new GroupMember(
      memberId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.sessionTimeoutMs,
      req.rebalanceTimeoutMs,
      req.protocolType,
      req.protocols,
    );
    group.members.set(memberId, member);
    if (group.members.size === 1) group.protocolType = req.protocolType;
    this.log.info('group member joined', {
      group: group.id,
      member: memberId,
      clientId: req.clientId,
    });
    const parked = this.park(member);
    this.armSession(group, member);
    if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
    else this.prepareRebalance(group, `member ${memberId} joined`);
    return parked;
  }

  private rejoin(
    group: ConsumerGroup,
    member: GroupMember,
    req: JoinGroupRequest,
  ): Promise<JoinGroupResult> | JoinGroupResult {
    member.lastSeen = Date.now();
    const unchanged = sameProtocols(member.protocols, req.protocols);
    if (
      unchanged &&
      (group.state === 'CompletingRebalance' ||
        (group.state === 'Stable' && member.id !== group.leaderId))
    ) {
      // A member that missed its JoinGroup response: hand it the current generation again.
      return this.joinResultFor(group, member);
    }
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    const parked = this.park(member);
    if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
    else this.prepareRebalance(group, `member ${member.id} rejoined`);
    return parked;
  }

  private park(member: GroupMember): Promise<JoinGroupResult> {
    const previous = member.joinResolve;
    if (previous)
      previous({
        errorCode: ErrorCode.REBALANCE_IN_PROGRESS,
        generationId: -1,
        protocolName: '',
        leader: '',
        memberId: member.id,
        members: [],
      });
    return new Promise<JoinGroupResult>((resolve) => {
      member.joinResolve = resolve;
    });
  }

  private joinResultFor(group: ConsumerGroup, member: GroupMember): JoinGroupResult {
    const isLeader = member.id === group.leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolName: group.protocolName ?? '',
      leader: group.leaderId ?? '',
      memberId: member.id,
      members: isLeader
        ? [...group.members.values()].map((m) => ({
            memberId: m.id,
            groupInstanceId: m.groupInstanceId,
            metadata: m.metadataFor(group.protocolName),
          }))
        : [],
    };
  }

  private prepareRebalance(group: ConsumerGroup, reason: string): void {
    if (group.state === 'CompletingRebalance') {
      this.clearSyncTimer(group);
      for (const m of group.members.values()) {
        const resolve = m.syncResolve;
        m.syncResolve = undefined;
        resolve?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      }
    }
    group.state = 'PreparingRebalance';
    this.log.info('group rebalancing', { group: group.id, reason, generation: group.generationId });
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    let timeout = 0;
    for (const m of group.members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs);
    group.rebalanceTimer = setTimeout(
      this.guard(() => this.completeJoin(group)),
      timeout,
    );
    group.rebalanceTimer.unref();
    this.maybeCompleteJoin(group);
  }

  private maybeCompleteJoin(group: ConsumerGroup): void {
    if (group.state !== 'PreparingRebalance' || group.pending.size > 0) return;
    for (const m of group.members.values()) if (!m.joinResolve) return;
    this.completeJoin(group);
  }

  private completeJoin(group: ConsumerGroup): void {
    if (group.state !== 'PreparingRebalance' || this.stopped) return;
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = undefined;
    for (const m of [...group.members.values()]) {
      if (!m.joinResolve) {
        this.log.info('group member evicted: did not rejoin in time', {
          group: group.id,
          member: m.id,
        });
        this.dropMember(group, m);
      }
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = null;
      group.leaderId = null;
      return;
    }
    group.protocolName = this.selectProtocol(group);
    if (group.leaderId === null || !group.members.has(group.leaderId))
      group.leaderId = group.members.keys().next().value ?? null;
    group.state = 'CompletingRebalance';
    this.log.info('group generation complete', {
      group: group.id,
      generation: group.generationId,
      protocol: group.protocolName,
      members: group.members.size,
      leader: group.leaderId,
    });
    const now = Date.now();
    let timeout = 0;
    for (const m of group.members.values()) {
      const resolve = m.joinResolve;
      m.joinResolve = undefined;
      m.lastSeen = now;
      timeout = Math.max(timeout, m.rebalanceTimeoutMs);
      resolve?.(this.joinResultFor(group, m));
    }
    const generation = group.generationId;
    group.syncTimer = setTimeout(
      this.guard(() => {
        if (group.state !== 'CompletingRebalance' || group.generationId !== generation) return;
        for (const m of [...group.members.values()]) {
          if (!m.syncResolve) {
            this.log.info('group member evicted: no SyncGroup in time', {
              group: group.id,
              member: m.id,
            });
            this.dropMember(group, m);
          }
        }
        this.prepareRebalance(group, 'SyncGroup timed out');
      }),
      timeout,
    );
    group.syncTimer.unref();
  }

  private selectProtocol(group: ConsumerGroup): string {
    const members = [...group.members.values()];
    const candidates = members[0].protocols
      .map((p) => p.name)
      .filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
    const votes = new Map<string, number>();
    for (const m of members) {
      const choice = m.protocols.find((p) => candidates.includes(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best = candidates[0];
    for (const c of candidates) if ((votes.get(c) ?? 0) > (votes.get(best) ?? 0)) best = c;
    return best;
  }

  private clearSyncTimer(group: ConsumerGroup): void {
    if (group.syncTimer) clearTimeout(group.syncTimer);
    group.syncTimer = undefined;
  }

  syncGroup(
    groupId: string,
    generationId: number,
    memberId: string,
    assignments: Array<{ memberId: string; assignment: Buffer }>,
  ): Promise<SyncGroupResult> | SyncGroupResult {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY };
    if (generationId !== group.generationId)
      return { errorCode: ErrorCode.ILLEGAL_GENERATION, assignment: EMPTY };
    member.lastSeen = Date.now();
    if (group.state === 'PreparingRebalance')
      return { errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY };
    if (group.state === 'Stable')
      return { errorCode: ErrorCode.NONE, assignment: member.assignment };
    if (group.state !== 'CompletingRebalance')
      return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY };
    const parked = new Promise<SyncGroupResult>((resolve) => {
      member.syncResolve?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      member.syncResolve = resolve;
    });
    if (memberId === group.leaderId) {
      const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
      for (const m of group.members.values()) m.assignment = byMember.get(m.id) ?? EMPTY;
      group.state = 'Stable';
      this.clearSyncTimer(group);
      this.log.info('group stable', {
        group: group.id,
        generation: group.generationId,
        members: group.members.size,
      });
      for (const m of group.members.values()) {
        const resolve = m.syncResolve;
        m.syncResolve = undefined;
        resolve?.({ errorCode: ErrorCode.NONE, assignment: m.assignment });
      }
    }
    return parked;
  }

  heartbeat(groupId: string, generationId: number, memberId: string): ErrorCode {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    member.lastSeen = Date.now();
    if (group.state === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  leaveGroup(groupId: string, memberId: string): ErrorCode {
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    const pendingTimer = group.pending.get(memberId);
    if (pendingTimer) {
      clearTimeout(pendingTimer);
      group.pending.delete(memberId);
      this.maybeCompleteJoin(group);
      return ErrorCode.NONE;
    }
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.log.info('group member left', { group: group.id, member: memberId });
    this.removeMember(group, member, `member ${memberId} left`);
    return ErrorCode.NONE;
  }

  /** Whether an OffsetCommit (v1+) from this member/generation may be applied. */
  validateCommit(groupId: string, generationId: number, memberId: string): ErrorCode {
    const group = this.groups.get(groupId);
    if (generationId < 0 && memberId === '') {
      return !group || group.members.size === 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
    }
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    member.lastSeen = Date.now();
    return ErrorCode.NONE;
  }

  private armSession(group: ConsumerGroup, member: GroupMember): void {
    if (member.timer) clearTimeout(member.timer);
    // One timer per member, re-armed lazily: heartbeats only stamp lastSeen.
    const check = this.guard(() => {
      if (this.stopped || group.members.get(member.id) !== member) return;
      const now = Date.now();
      if (member.joinResolve || member.syncResolve) member.lastSeen = now;
      const left = member.lastSeen + member.sessionTimeoutMs - now;
      if (left > 0) {
        member.timer = setTimeout(check, left);
        member.timer.unref();
        return;
      }
      this.log.info('group member session expired', {
        group: group.id,
        member: member.id,
        sessionTimeoutMs: member.sessionTimeoutMs,
      });
      this.removeMember(group, member, `member ${member.id} session expired`);
    });
    member.timer = setTimeout(check, member.sessionTimeoutMs);
    member.timer.unref();
  }

  private dropMember(group: ConsumerGroup, member: GroupMember): void {
    group.members.delete(member.id);
    if (member.timer) clearTimeout(member.timer);
    const join = member.joinResolve;
    const sync = member.syncResolve;
    member.joinResolve = undefined;
    member.syncResolve = undefined;
    join?.({
      errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
      generationId: -1,
      protocolName: '',
      leader: '',
      memberId: member.id,
      members: [],
    });
    sync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
  }

  private removeMember(group: ConsumerGroup, member: GroupMember, reason: string): void {
    this.dropMember(group, member);
    if (group.leaderId === member.id) group.leaderId = null;
    if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
    else if (group.state === 'Stable' || group.state === 'CompletingRebalance')
      this.prepareRebalance(group, reason);
  }

  /** Timer callbacks run outside any request: a bug there must be logged, not crash the broker. */
  private guard(fn: () => void): () => void {
    return () => {
      try {
        fn();
      } catch (error) {
        this.log.error('group coordinator timer failed', {
          error: String(error),
          stack: error instanceof Error ? error.stack : undefined,
        });
      }
    };
  }

  stop(): void {
    this.stopped = true;
    for (const g of this.groups.values()) {
      if (g.rebalanceTimer) clearTimeout(g.rebalanceTimer);
      this.clearSyncTimer(g);
      for (const t of g.pending.values()) clearTimeout(t);
      for (const m of g.members.values()) if (m.timer) clearTimeout(m.timer);
    }
  }
}
