import { HeartbeatContributors, mergeHeartbeatFields } from './heartbeat-contributors';

describe(HeartbeatContributors.name, () => {
  it('merges the fields of every contributor', async () => {
    const sut = new HeartbeatContributors();
    sut.add('http', () => ({ httpRequests: 10, http5xx: 1 }));
    sut.add('messaging', async () => ({ outboxBacklog: 4 }));

    await expect(sut.collect()).resolves.toEqual({ httpRequests: 10, http5xx: 1, outboxBacklog: 4 });
  });

  it('leaves out a contributor that throws, keeping the others', async () => {
    const sut = new HeartbeatContributors();
    sut.add('broken', () => {
      throw new Error('database down');
    });
    sut.add('messaging', async () => ({ eventsHandled: 3 }));

    await expect(sut.collect()).resolves.toEqual({ eventsHandled: 3 });
  });

  it('leaves out a contributor slower than the timeout', async () => {
    const sut = new HeartbeatContributors();
    sut.add('stuck', () => new Promise(() => undefined));
    sut.add('fast', () => ({ outboxBacklog: 0 }));

    await expect(sut.collect(50)).resolves.toEqual({ outboxBacklog: 0 });
  });

  it('forgets a contributor once unregistered, and a second add under a name replaces the first', async () => {
    const sut = new HeartbeatContributors();
    const unregister = sut.add('a', () => ({ httpRequests: 1 }));
    sut.add('b', () => ({ http4xx: 1 }));
    sut.add('b', () => ({ http4xx: 2 }));
    unregister();

    await expect(sut.collect()).resolves.toEqual({ http4xx: 2 });
    expect(sut.names).toEqual(['b']);
  });
});

describe(mergeHeartbeatFields.name, () => {
  it('concatenates the running imports of several contributors', () => {
    const a = { fileId: 'a', linesDone: 1, totalLines: 10, linesPerSecond: 1 };
    const b = { fileId: 'b', linesDone: 2, totalLines: 10, linesPerSecond: 2 };

    const sut = mergeHeartbeatFields([{ imports: [a] }, { outboxBacklog: 1 }, { imports: [b] }]);

    expect(sut).toEqual({ outboxBacklog: 1, imports: [a, b] });
  });
});
