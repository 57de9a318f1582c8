import type { ChaosSuite } from './chaos-suite';
import { FaultInjector } from './fault-injector';
import { pollUntil } from './poll';
import type { Restartable } from './suite-processes';

/** A process double: `crash()` makes it exit on its own, `start` brings it back. */
class FakeProcess implements Restartable {
  running = true;
  starts = 0;
  kills = 0;
  constructor(readonly name: string) {}
  async start(): Promise<void> {
    this.starts++;
    this.running = true;
  }
  async kill(): Promise<void> {
    this.kills++;
    this.running = false;
  }
  crash(): void {
    this.running = false;
  }
  lastLines(): string[] {
    return [`${this.name} last words`];
  }
}

function fakeSuite(instances: FakeProcess[], broker: FakeProcess): ChaosSuite {
  return {
    instances,
    broker,
    targets: [...instances, broker],
    downInstances: () => instances.filter((i) => !i.running),
    waitAllReady: async () => undefined,
  } as unknown as ChaosSuite;
}

describe(FaultInjector.name, () => {
  it('restarts an instance each time it exits on its own, not only the first time', async () => {
    const consent = new FakeProcess('consent-1');
    const sut = new FaultInjector(fakeSuite([consent], new FakeProcess('broker')), []);
    sut.start();

    consent.crash();
    await pollUntil(() => consent.starts === 1, {
      timeoutMs: 5_000,
      intervalMs: 20,
      what: 'first restart',
    });
    consent.crash();
    await pollUntil(() => consent.starts === 2, {
      timeoutMs: 5_000,
      intervalMs: 20,
      what: 'second restart',
    });
    const summary = await sut.stop();

    expect(summary).toMatchObject({ crashes: 2, restarts: 2, kills: 0 });
    expect(summary.faults[0]).toMatchObject({
      target: 'consent-1',
      action: 'crashed (restarted)',
      lastLines: ['consent-1 last words'],
    });
  });

  it('plays the plan: kills the target, starts it again, and counts both', async () => {
    const documents = new FakeProcess('documents-1');
    const broker = new FakeProcess('broker');
    const sut = new FaultInjector(fakeSuite([documents], broker), [
      { target: 'documents-1', action: 'kill -9', gapMs: 10, downMs: 10 },
      { target: 'broker', action: 'kill -9', gapMs: 10, downMs: 10 },
    ]);
    sut.start();

    await pollUntil(() => sut.progress.faults.length === 2, {
      timeoutMs: 5_000,
      intervalMs: 20,
      what: 'both faults',
    });
    const summary = await sut.stop();

    expect(summary).toMatchObject({ kills: 2, restarts: 2, crashes: 0 });
    expect([documents.kills, documents.starts, broker.kills, broker.starts]).toEqual([1, 1, 1, 1]);
  });

  it('plays the rest of the plan at stop when fewer kills than asked happened', async () => {
    const documents = new FakeProcess('documents-1');
    const broker = new FakeProcess('broker');
    const sut = new FaultInjector(fakeSuite([documents], broker), [
      { target: 'broker', action: 'kill -9', gapMs: 60_000, downMs: 10 },
      { target: 'documents-1', action: 'kill -9', gapMs: 60_000, downMs: 10 },
    ]);
    sut.start();

    const summary = await sut.stop({ atLeast: 2 });

    expect(summary.kills).toBe(2);
    expect(summary.faults.map((f) => f.target)).toEqual(['broker', 'documents-1']);
  });
});
