import { assembleOpsStatus, InstanceRow, instanceState, lagByGroupTopic, partitionLag, ratePerSecond, reasonCategory } from './ops-status';

const rule = { heartbeatIntervalMs: 5_000, downAfterHeartbeats: 3 };
const now = new Date('2026-11-23T10:00:00.000Z');
const secondsAgo = (s: number): Date => new Date(now.getTime() - s * 1000);

function anInstance(overrides: Partial<InstanceRow> = {}): InstanceRow {
  return {
    service: 'enrolment',
    instance: 'enrolment-1',
    version: '1.0.0',
    startedAt: secondsAgo(600),
    ready: true,
    uptimeSeconds: 600,
    lastHeartbeatAt: secondsAgo(2),
    httpRequests: 1_100,
    http4xx: 20,
    http5xx: 2,
    eventsHandled: 5_000,
    eventsFailed: 1,
    outboxBacklog: 3,
    imports: [],
    previousAt: secondsAgo(7),
    previousHttpRequests: 1_000,
    previousHttp4xx: 10,
    previousHttp5xx: 2,
    previousEventsHandled: 4_000,
    previousEventsFailed: 1,
    ...overrides,
  };
}

describe(instanceState.name, () => {
  it('says up while the last heartbeat is within the allowed number of intervals', () => {
    expect(instanceState({ lastHeartbeatAt: secondsAgo(15), ready: true }, now, rule)).toBe('up');
  });

  it('says silent once the last heartbeat is older than the allowed number of intervals', () => {
    expect(instanceState({ lastHeartbeatAt: secondsAgo(15.001), ready: true }, now, rule)).toBe('silent');
  });

  it('says not-ready for a fresh heartbeat that reports not ready', () => {
    expect(instanceState({ lastHeartbeatAt: secondsAgo(1), ready: false }, now, rule)).toBe('not-ready');
  });
});

describe(ratePerSecond.name, () => {
  it('divides the counter increase by the time between the heartbeats', () => {
    expect(ratePerSecond(1_100, 1_000, 5_000)).toBe(20);
  });

  it('gives no rate after a restart (the counter went down)', () => {
    expect(ratePerSecond(5, 1_000, 5_000)).toBeNull();
  });

  it('gives no rate before a second heartbeat', () => {
    expect(ratePerSecond(1_100, null, null)).toBeNull();
  });
});

describe(partitionLag.name, () => {
  it('counts the messages after the committed offset', () => {
    expect(partitionLag('40', '0', '100')).toBe(60);
  });

  it('counts from the log start for a group that never committed', () => {
    expect(partitionLag('-1', '25', '100')).toBe(75);
  });

  it('never reports a negative lag (a commit read after a newer end offset)', () => {
    expect(partitionLag('120', '0', '100')).toBe(0);
  });
});

describe(lagByGroupTopic.name, () => {
  it('sums the partitions of a group and topic, the largest lag first', () => {
    const measuredAt = secondsAgo(1);
    const sut = lagByGroupTopic([
      { groupId: 'dmp-analytics', topic: 'a', partition: 0, committedOffset: '1', endOffset: '5', lag: 4, measuredAt },
      { groupId: 'dmp-analytics', topic: 'a', partition: 1, committedOffset: '1', endOffset: '3', lag: 2, measuredAt },
      { groupId: 'dmp-consent', topic: 'b', partition: 0, committedOffset: '1', endOffset: '21', lag: 20, measuredAt },
    ]);

    expect(sut.map((l) => [l.groupId, l.topic, l.lag, l.partitions])).toEqual([
      ['dmp-consent', 'b', 20, 1],
      ['dmp-analytics', 'a', 6, 2],
    ]);
  });
});

describe(reasonCategory.name, () => {
  it('groups reasons that differ only by ids and numbers, on their first line', () => {
    const a = reasonCategory('event 0f8fad5b-d9cb-469f-a165-70867728950e: payload.ins: key 123456 does not match\n  at stack');
    const b = reasonCategory('event 7c9e6679-7425-40de-944b-e07fc1f90ae7: payload.ins: key 987654 does not match');

    expect(a).toBe(b);
    expect(a).toBe('event <id>: payload.ins: key <n> does not match');
  });
});

describe(assembleOpsStatus.name, () => {
  const base = { now, rule, expectedServices: ['enrolment', 'documents'], lag: [], deadLetters: [] };

  it('lists an expected service never heard of as down', () => {
    const sut = assembleOpsStatus({ ...base, instances: [anInstance()] });

    expect(sut.services.map((s) => [s.service, s.state, s.instancesUp, s.instancesKnown])).toEqual([
      ['enrolment', 'up', 1, 1],
      ['documents', 'down', 0, 0],
    ]);
    expect(sut.overall).toBe('down');
  });

  it('says degraded when one of two instances went silent, and counts only the live one', () => {
    const sut = assembleOpsStatus({
      ...base,
      expectedServices: ['enrolment'],
      instances: [anInstance(), anInstance({ instance: 'enrolment-2', lastHeartbeatAt: secondsAgo(60), outboxBacklog: 99 })],
    });

    const [enrolment] = sut.services;
    expect(enrolment).toMatchObject({ state: 'degraded', instancesUp: 1, instancesKnown: 2, outboxBacklog: 3, httpPerSecond: 20, http4xxPerSecond: 2 });
    expect(enrolment!.instances[1]).toMatchObject({ state: 'silent', httpPerSecond: null, heartbeatAgeSeconds: 60 });
    expect(sut.overall).toBe('degraded');
  });

  it('adds the rates of the live instances and totals them across services', () => {
    const sut = assembleOpsStatus({
      ...base,
      instances: [anInstance(), anInstance({ instance: 'enrolment-2' }), anInstance({ service: 'documents', instance: 'documents-1' })],
    });

    expect(sut.services[0]).toMatchObject({ eventsPerSecond: 400, http5xxPerSecond: 0 });
    expect(sut.totals).toMatchObject({ eventsPerSecond: 600, httpPerSecond: 60, outboxBacklog: 6 });
    expect(sut.overall).toBe('up');
  });

  it('reports the running imports of live instances with their progress', () => {
    const file = { fileId: 'RA-2026-11', linesDone: 250, totalLines: 1_000, linesPerSecond: 50 };
    const sut = assembleOpsStatus({
      ...base,
      instances: [
        anInstance({ service: 'reimbursements', instance: 'r-1', imports: [file] }),
        anInstance({ service: 'reimbursements', instance: 'r-2', imports: [{ ...file, fileId: 'old' }], lastHeartbeatAt: secondsAgo(120) }),
      ],
    });

    expect(sut.imports).toEqual([{ ...file, service: 'reimbursements', instance: 'r-1', progress: 0.25 }]);
  });

  it('totals the dead letters by source topic', () => {
    const lastAt = secondsAgo(30);
    const sut = assembleOpsStatus({
      ...base,
      instances: [],
      deadLetters: [
        { sourceTopic: 'dmp.a.v1', reason: 'x', count: 2, lastAt },
        { sourceTopic: 'dmp.b.v1', reason: 'y', count: 5, lastAt },
        { sourceTopic: 'dmp.a.v1', reason: 'z', count: 4, lastAt },
      ],
    });

    expect(sut.deadLetters.bySourceTopic).toEqual([
      { sourceTopic: 'dmp.a.v1', count: 6 },
      { sourceTopic: 'dmp.b.v1', count: 5 },
    ]);
    expect(sut.totals.deadLetters).toBe(11);
  });
});
