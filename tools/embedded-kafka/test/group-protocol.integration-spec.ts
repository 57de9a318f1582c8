import { startBroker } from '@dmp/embedded-kafka';
import { waitFor } from '@dmp/testing';
import { TestBroker, startTestBroker, uniqueName } from './support/clients';
import { withTimeout } from './support/with-timeout';
import { ApiKey, Reader, WireConnection, Writer } from './support/wire';

// The group coordinator driven message by message (versions librdkafka and kafkajs use), for
// the error paths a well-behaved client never takes on purpose.

interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: { memberId: string; metadata: Buffer }[];
}

function joinGroupV5(groupId: string, memberId: string, { sessionTimeoutMs = 10_000, rebalanceTimeoutMs = 5_000, protocols = [{ name: 'range', metadata: Buffer.from('meta') }] } = {}): Buffer {
  return new Writer()
    .string(groupId)
    .int32(sessionTimeoutMs)
    .int32(rebalanceTimeoutMs)
    .string(memberId)
    .string(null)
    .string('consumer')
    .array(protocols, (w, p) => w.string(p.name).bytes(p.metadata))
    .build();
}

function decodeJoinV5(body: Buffer): JoinResult {
  const r = new Reader(body);
  r.int32();
  const errorCode = r.int16();
  const generationId = r.int32();
  const protocolName = r.string() ?? '';
  const leader = r.string() ?? '';
  const memberId = r.string() ?? '';
  const members =
    r.array((m) => {
      const id = m.string() ?? '';
      m.string();
      return { memberId: id, metadata: m.bytes() ?? Buffer.alloc(0) };
    }) ?? [];
  return { errorCode, generationId, protocolName, leader, memberId, members };
}

async function join(wire: WireConnection, groupId: string, memberId: string, options: Parameters<typeof joinGroupV5>[2] = {}): Promise<JoinResult> {
  return decodeJoinV5((await wire.request(ApiKey.JoinGroup, 5, joinGroupV5(groupId, memberId, options))).body);
}

/** The member-id-required flow of JoinGroup v4+: an empty id gets 79 and an id, then joins with it. */
async function joinAsNewMember(wire: WireConnection, groupId: string, options: Parameters<typeof joinGroupV5>[2] = {}): Promise<JoinResult> {
  const first = await join(wire, groupId, '', options);
  expect(first.errorCode).toBe(79);
  expect(first.memberId).not.toBe('');
  return join(wire, groupId, first.memberId, options);
}

async function sync(wire: WireConnection, groupId: string, generationId: number, memberId: string, assignments: { memberId: string; assignment: Buffer }[]): Promise<{ errorCode: number; assignment: Buffer }> {
  const body = new Writer()
    .string(groupId)
    .int32(generationId)
    .string(memberId)
    .string(null)
    .array(assignments, (w, a) => w.string(a.memberId).bytes(a.assignment))
    .build();
  const r = new Reader((await wire.request(ApiKey.SyncGroup, 3, body)).body);
  r.int32();
  return { errorCode: r.int16(), assignment: r.bytes() ?? Buffer.alloc(0) };
}

async function heartbeat(wire: WireConnection, groupId: string, generationId: number, memberId: string): Promise<number> {
  const r = new Reader((await wire.request(ApiKey.Heartbeat, 3, new Writer().string(groupId).int32(generationId).string(memberId).string(null).build())).body);
  r.int32();
  return r.int16();
}

async function commit(wire: WireConnection, groupId: string, generationId: number, memberId: string, topic: string, offset: number): Promise<number> {
  const body = new Writer()
    .string(groupId)
    .int32(generationId)
    .string(memberId)
    .array([topic], (w, t) => w.string(t).array([0], (pw, p) => pw.int32(p).int64(offset).string(null)))
    .build();
  const r = new Reader((await wire.request(ApiKey.OffsetCommit, 5, body)).body);
  r.int32();
  let errorCode = -1;
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      errorCode = p.int16();
    });
  });
  return errorCode;
}

async function describeGroupState(wire: WireConnection, groupId: string): Promise<{ state: string; members: number }> {
  const r = new Reader((await wire.request(ApiKey.DescribeGroups, 0, new Writer().array([groupId], (w, g) => w.string(g)).build())).body);
  let out = { state: '', members: -1 };
  r.array((g) => {
    g.int16();
    g.string();
    const state = g.string() ?? '';
    g.string();
    g.string();
    const members = g.array((m) => {
      m.string();
      m.string();
      m.string();
      m.bytes();
      m.bytes();
      return 1;
    });
    out = { state, members: members?.length ?? 0 };
  });
  return out;
}

describe(`${startBroker.name} group coordinator on the wire`, () => {
  let sut: TestBroker;
  const open: WireConnection[] = [];

  beforeAll(async () => {
    sut = await startTestBroker('groups', { minSessionTimeoutMs: 500 });
  });

  afterEach(() => {
    for (const wire of open.splice(0)) wire.close();
  });

  afterAll(async () => {
    await sut.stop();
  });

  async function connection(): Promise<WireConnection> {
    const wire = await WireConnection.open(sut.host, sut.port);
    open.push(wire);
    return wire;
  }

  it('runs join, sync and heartbeat for one member and hands the metadata and assignment through untouched', async () => {
    const wire = await connection();
    const groupId = uniqueName('g-one');
    const metadata = Buffer.from([0, 1, 2, 3, 254, 255]);
    const joined = await joinAsNewMember(wire, groupId, { protocols: [{ name: 'roundrobin', metadata }] });
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'roundrobin', leader: joined.memberId });
    expect(joined.members).toEqual([{ memberId: joined.memberId, metadata }]);
    const assignment = Buffer.from('opaque assignment bytes');
    expect(await sync(wire, groupId, 1, joined.memberId, [{ memberId: joined.memberId, assignment }])).toEqual({ errorCode: 0, assignment });
    expect(await heartbeat(wire, groupId, 1, joined.memberId)).toBe(0);
    expect(await heartbeat(wire, groupId, 2, joined.memberId)).toBe(22);
    expect(await heartbeat(wire, groupId, 1, 'nobody')).toBe(25);
    expect(await describeGroupState(wire, groupId)).toEqual({ state: 'Stable', members: 1 });
  });

  it('refuses a session timeout outside its bounds, protocols that do not overlap and unknown member ids', async () => {
    const wire = await connection();
    const groupId = uniqueName('g-refusals');
    expect((await join(wire, groupId, '', { sessionTimeoutMs: 10 })).errorCode).toBe(26);
    const member = await joinAsNewMember(wire, groupId);
    expect(member.errorCode).toBe(0);
    expect((await join(wire, groupId, '', { protocols: [{ name: 'sticky-only', metadata: Buffer.alloc(0) }] })).errorCode).toBe(23);
    expect((await join(wire, groupId, 'made-up-member-id')).errorCode).toBe(25);
  });

  it('rebalances when a second member joins, keeps the leader, and tells the first through its heartbeat', async () => {
    const [a, b] = [await connection(), await connection()];
    const groupId = uniqueName('g-two');
    const first = await joinAsNewMember(a, groupId);
    expect((await sync(a, groupId, 1, first.memberId, [{ memberId: first.memberId, assignment: Buffer.from('all') }])).errorCode).toBe(0);

    const secondJoin = joinAsNewMember(b, groupId);
    await waitFor(async () => (await heartbeat(a, groupId, 1, first.memberId)) === 27, { timeoutMs: 5_000, message: 'REBALANCE_IN_PROGRESS on the first member heartbeat' });
    const [firstAgain, second] = await withTimeout(Promise.all([join(a, groupId, first.memberId), secondJoin]), 10_000, 'both joins');
    expect(firstAgain).toMatchObject({ errorCode: 0, generationId: 2, leader: first.memberId });
    expect(firstAgain.members.map((m) => m.memberId).sort()).toEqual([first.memberId, second.memberId].sort());
    expect(second).toMatchObject({ errorCode: 0, generationId: 2, leader: first.memberId, members: [] });

    // The follower's SyncGroup waits for the leader's assignments.
    const followerSync = sync(b, groupId, 2, second.memberId, []);
    const leaderSync = await sync(a, groupId, 2, first.memberId, [
      { memberId: first.memberId, assignment: Buffer.from('half-a') },
      { memberId: second.memberId, assignment: Buffer.from('half-b') },
    ]);
    expect(leaderSync).toEqual({ errorCode: 0, assignment: Buffer.from('half-a') });
    expect(await withTimeout(followerSync, 5_000, 'follower sync')).toEqual({ errorCode: 0, assignment: Buffer.from('half-b') });
    expect(await describeGroupState(a, groupId)).toEqual({ state: 'Stable', members: 2 });
  });

  it('evicts a member whose session expires and one that leaves', async () => {
    const [a, b] = [await connection(), await connection()];
    const groupId = uniqueName('g-expiry');
    const silent = await joinAsNewMember(a, groupId, { sessionTimeoutMs: 800, rebalanceTimeoutMs: 800 });
    expect((await sync(a, groupId, 1, silent.memberId, [{ memberId: silent.memberId, assignment: Buffer.alloc(0) }])).errorCode).toBe(0);
    await waitFor(async () => (await describeGroupState(b, groupId)).state === 'Empty', { timeoutMs: 10_000, message: 'the silent member to expire' });
    expect(await heartbeat(a, groupId, 1, silent.memberId)).toBe(25);

    const leaving = await joinAsNewMember(b, groupId);
    expect(leaving.errorCode).toBe(0);
    const leave = new Writer().string(groupId).array([leaving.memberId], (w, id) => w.string(id).string(null)).build();
    const r = new Reader((await b.request(ApiKey.LeaveGroup, 3, leave)).body);
    r.int32();
    expect(r.int16()).toBe(0);
    expect(await describeGroupState(b, groupId)).toMatchObject({ members: 0 });
  });

  it('accepts admin commits (generation -1) only for an empty group and commits from members of the current generation', async () => {
    const wire = await connection();
    const groupId = uniqueName('g-commit');
    const topic = uniqueName('commit-topic');
    // Metadata v4 allowing auto-creation: offsets are only accepted for existing partitions.
    await wire.request(ApiKey.Metadata, 4, new Writer().array([topic], (w, t) => w.string(t)).int8(1).build());
    expect(await commit(wire, groupId, -1, '', topic, 5)).toBe(0);
    const member = await joinAsNewMember(wire, groupId);
    expect((await sync(wire, groupId, member.generationId, member.memberId, [{ memberId: member.memberId, assignment: Buffer.alloc(0) }])).errorCode).toBe(0);
    expect([22, 25]).toContain(await commit(wire, groupId, -1, '', topic, 6));
    expect(await commit(wire, groupId, member.generationId, member.memberId, topic, 7)).toBe(0);
    expect(await commit(wire, groupId, member.generationId + 1, member.memberId, topic, 8)).toBe(22);
    // kafkajs commits -1 after an out-of-range reset: negative offsets are stored as given.
    expect(await commit(wire, groupId, member.generationId, member.memberId, topic, -1)).toBe(0);
  });
});
