import { createJsonLogger } from '../logger';
import { ErrorCode } from '../protocol/error-codes';
import { GroupCoordinator, JoinGroupRequest, JoinGroupResult } from './group-coordinator';

const quiet = createJsonLogger('error', () => undefined);

function join(over: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 20_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('m') }],
    clientId: 'client',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: true,
    ...over,
  };
}

async function joinWithId(
  sut: GroupCoordinator,
  over: Partial<JoinGroupRequest> = {},
): Promise<{ memberId: string; joined: Promise<JoinGroupResult> }> {
  const first = (await sut.joinGroup(join(over))) as JoinGroupResult;
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  return {
    memberId: first.memberId,
    joined: Promise.resolve(sut.joinGroup(join({ ...over, memberId: first.memberId }))),
  };
}

/** a joins alone (generation 1), then b joins and a rejoins: both in generation 2, synced. */
async function twoMemberGroup(
  sut: GroupCoordinator,
  aOver: Partial<JoinGroupRequest> = {},
  bOver: Partial<JoinGroupRequest> = {},
): Promise<{ a: string; b: string; ra: JoinGroupResult; rb: JoinGroupResult }> {
  const a = await joinWithId(sut, aOver);
  await a.joined;
  await sut.syncGroup('g', 1, a.memberId, []);
  const b = await joinWithId(sut, bOver);
  const aRejoin = Promise.resolve(sut.joinGroup(join({ ...aOver, memberId: a.memberId })));
  const [ra, rb] = await Promise.all([aRejoin, b.joined]);
  await Promise.all([sut.syncGroup('g', 2, b.memberId, []), sut.syncGroup('g', 2, a.memberId, [])]);
  return { a: a.memberId, b: b.memberId, ra, rb };
}

describe(GroupCoordinator.name, () => {
  let sut: GroupCoordinator;

  beforeEach(() => {
    jest.useFakeTimers();
    sut = new GroupCoordinator({
      minSessionTimeoutMs: 1000,
      maxSessionTimeoutMs: 60_000,
      logger: quiet,
    });
  });
  afterEach(() => {
    sut.stop();
    jest.useRealTimers();
  });

  it('asks a new member for a member id first, then makes it leader of generation 1', async () => {
    const { memberId, joined } = await joinWithId(sut);
    const result = await joined;
    expect(result).toMatchObject({
      errorCode: ErrorCode.NONE,
      generationId: 1,
      leader: memberId,
      memberId,
      protocolName: 'range',
    });
    expect(result.members).toEqual([
      { memberId, groupInstanceId: null, metadata: Buffer.from('m') },
    ]);
    expect(sut.groups.get('g')?.state).toBe('CompletingRebalance');
  });

  it('hands every member its assignment once the leader syncs', async () => {
    const { memberId } = await joinWithId(sut).then(async (j) => ({ ...j, r: await j.joined }));
    const sync = await sut.syncGroup('g', 1, memberId, [
      { memberId, assignment: Buffer.from('a1') },
    ]);
    expect(sync).toEqual({ errorCode: ErrorCode.NONE, assignment: Buffer.from('a1') });
    expect(sut.groups.get('g')?.state).toBe('Stable');
    expect(sut.heartbeat('g', 1, memberId)).toBe(ErrorCode.NONE);
  });

  it('rebalances when a second member joins: the first learns it from its heartbeat and both get generation 2', async () => {
    const a = await joinWithId(sut);
    await a.joined;
    await sut.syncGroup('g', 1, a.memberId, [
      { memberId: a.memberId, assignment: Buffer.from('all') },
    ]);

    const b = await joinWithId(sut);
    expect(sut.groups.get('g')?.state).toBe('PreparingRebalance');
    expect(sut.heartbeat('g', 1, a.memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const aRejoin = Promise.resolve(sut.joinGroup(join({ memberId: a.memberId })));
    const [ra, rb] = await Promise.all([aRejoin, b.joined]);
    expect(ra).toMatchObject({ generationId: 2, leader: a.memberId });
    expect(ra.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect(rb).toMatchObject({ generationId: 2, leader: a.memberId, members: [] });

    const followerSync = sut.syncGroup('g', 2, b.memberId, []);
    const leaderSync = sut.syncGroup('g', 2, a.memberId, [
      { memberId: a.memberId, assignment: Buffer.from('p0') },
      { memberId: b.memberId, assignment: Buffer.from('p1') },
    ]);
    expect(await followerSync).toEqual({
      errorCode: ErrorCode.NONE,
      assignment: Buffer.from('p1'),
    });
    expect(await leaderSync).toEqual({ errorCode: ErrorCode.NONE, assignment: Buffer.from('p0') });
  });

  it('rebalances the remaining member when one leaves', async () => {
    const { a, b } = await twoMemberGroup(sut);
    expect(sut.leaveGroup('g', b)).toBe(ErrorCode.NONE);
    expect(sut.heartbeat('g', 2, a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const again = await sut.joinGroup(join({ memberId: a }));
    expect(again).toMatchObject({ generationId: 3, leader: a });
    expect(again.members.map((m) => m.memberId)).toEqual([a]);
  });

  it('expires a member that stops heartbeating and rebalances the rest', async () => {
    const { a, b } = await twoMemberGroup(
      sut,
      { sessionTimeoutMs: 5000 },
      { sessionTimeoutMs: 30_000 },
    );
    jest.advanceTimersByTime(5001);
    expect(sut.groups.get('g')?.members.has(a)).toBe(false);
    expect(sut.heartbeat('g', 2, a)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(sut.heartbeat('g', 2, b)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('keeps a member alive while it heartbeats', async () => {
    const a = await joinWithId(sut, { sessionTimeoutMs: 5000 });
    await a.joined;
    await sut.syncGroup('g', 1, a.memberId, []);
    for (let i = 0; i < 5; i++) {
      jest.advanceTimersByTime(3000);
      expect(sut.heartbeat('g', 1, a.memberId)).toBe(ErrorCode.NONE);
    }
  });

  it('evicts members that do not rejoin within the rebalance timeout', async () => {
    const a = await joinWithId(sut, { rebalanceTimeoutMs: 4000, sessionTimeoutMs: 60_000 });
    await a.joined;
    await sut.syncGroup('g', 1, a.memberId, []);
    const b = await joinWithId(sut, { rebalanceTimeoutMs: 4000 });
    jest.advanceTimersByTime(4001);
    const rb = await b.joined;
    expect(rb).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, leader: b.memberId });
    expect(sut.groups.get('g')?.members.has(a.memberId)).toBe(false);
  });

  it('refuses unknown members, stale generations and out-of-bounds session timeouts', async () => {
    const a = await joinWithId(sut);
    await a.joined;
    expect((await sut.joinGroup(join({ memberId: 'nobody' }))).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    expect((await sut.joinGroup(join({ sessionTimeoutMs: 10 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    expect((await sut.syncGroup('g', 7, a.memberId, [])).errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    expect(sut.heartbeat('g', 1, 'nobody')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('refuses a member whose protocols share nothing with the group', async () => {
    const a = await joinWithId(sut);
    await a.joined;
    const other = await sut.joinGroup(
      join({ protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }),
    );
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('picks the protocol every member supports, by preference votes', async () => {
    const both = [
      { name: 'range', metadata: Buffer.from('r') },
      { name: 'roundrobin', metadata: Buffer.from('rr') },
    ];
    const { a, ra } = await twoMemberGroup(sut, { protocols: both }, { protocols: [both[1]] });
    expect(ra.protocolName).toBe('roundrobin');
    expect(ra.members.find((m) => m.memberId === a)?.metadata).toEqual(Buffer.from('rr'));
  });

  it('allows admin offset commits (generation -1, no member) only while the group is empty', async () => {
    expect(sut.validateCommit('g', -1, '')).toBe(ErrorCode.NONE);
    const a = await joinWithId(sut);
    await a.joined;
    expect(sut.validateCommit('g', -1, '')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(sut.validateCommit('g', 1, a.memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    await sut.syncGroup('g', 1, a.memberId, []);
    expect(sut.validateCommit('g', 1, a.memberId)).toBe(ErrorCode.NONE);
    expect(sut.validateCommit('g', 0, a.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it('supports the pre-v4 flow where the first join is accepted without a member id', async () => {
    const r = await sut.joinGroup(join({ requireKnownMemberId: false }));
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1 });
    expect(r.leader).toBe(r.memberId);
  });
});
