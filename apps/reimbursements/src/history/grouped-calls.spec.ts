import { AnswerHold, GroupedCalls } from './grouped-calls';

describe(GroupedCalls.name, () => {
  it('runs the calls made in the same turn of the event loop as one group', async () => {
    const groups: number[][] = [];
    const sut = new GroupedCalls<number, number>(async (items) => {
      groups.push(items);
      return items.map((i) => i * 10);
    }, 64);

    const results = await Promise.all([1, 2, 3].map((i) => sut.call(i)));

    expect(results).toEqual([10, 20, 30]);
    expect(groups).toEqual([[1, 2, 3]]);
  });

  it('queues the calls that arrive while a run is in flight for the next run, maxGroup at a time', async () => {
    const groups: number[][] = [];
    let release: () => void = () => undefined;
    const firstRunBlocked = new Promise<void>((resolve) => (release = resolve));
    const sut = new GroupedCalls<number, number>(async (items) => {
      groups.push(items);
      if (groups.length === 1) await firstRunBlocked;
      return items;
    }, 2);
    const first = sut.call(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((i) => sut.call(i));

    release();
    await Promise.all([first, ...later]);

    expect(groups).toEqual([[1], [2, 3], [4]]);
  });

  it('fails every call of a failed group and still runs the next group', async () => {
    let runs = 0;
    const sut = new GroupedCalls<number, number>(async (items) => {
      runs++;
      if (runs === 1) throw new Error('broken run');
      return items;
    }, 64);

    const failed = [sut.call(1), sut.call(2)];
    await expect(failed[0]).rejects.toThrow('broken run');
    await expect(failed[1]).rejects.toThrow('broken run');
    await expect(sut.call(3)).resolves.toBe(3);
  });

  it('settles once the queued calls have run', async () => {
    const done: number[] = [];
    const sut = new GroupedCalls<number, void>(async (items) => {
      done.push(...items);
      return items.map(() => undefined);
    }, 64);
    void sut.call(1);
    void sut.call(2);

    await sut.settle();

    expect(done).toEqual([1, 2]);
  });

  it('waits for the gate before taking a group, so the calls made meanwhile join it', async () => {
    const groups: number[][] = [];
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let gateAsked = 0;
    const sut = new GroupedCalls<number, number>(
      async (items) => {
        groups.push(items);
        return items;
      },
      64,
      () => (gateAsked++ === 0 ? gate : null),
    );
    const first = sut.call(1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = sut.call(2);

    open();
    await Promise.all([first, second]);

    expect(groups).toEqual([[1, 2]]);
  });
});

describe(AnswerHold.name, () => {
  const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  /** Whether the promise has settled once the pending turns have run. */
  const settled = async (promise: Promise<void>): Promise<boolean> => {
    let done = false;
    void promise.then(() => (done = true));
    await nextTurn();
    await nextTurn();
    return done;
  };

  it('does not hold when no work is in flight', () => {
    const sut = new AnswerHold(4, 60_000);

    expect(sut.gate()).toBeNull();
  });

  it('holds until as many answers as it counts, each counted once per turn of the event loop', async () => {
    const sut = new AnswerHold(2, 60_000);
    for (let i = 0; i < 4; i++) sut.started();
    const hold = sut.gate() as Promise<void>;

    sut.answered();
    sut.answered(); // same turn: one answer (one statement's reads)
    expect(await settled(hold)).toBe(false);
    sut.answered();

    expect(await settled(hold)).toBe(true);
  });

  it('lets the group go once no work is left in flight, whatever the answers counted', async () => {
    const sut = new AnswerHold(4, 60_000);
    sut.started();
    const hold = sut.gate() as Promise<void>;

    sut.answered();

    expect(await settled(hold)).toBe(true);
    expect(sut.gate()).toBeNull();
  });

  it('holds a group whose answers do not come for maxHoldMs at most', async () => {
    const sut = new AnswerHold(4, 20);
    sut.started();
    const started = Date.now();

    await sut.gate();

    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    sut.answered();
    expect(sut.gate()).toBeNull();
  });

  it('has the calls queued by an answering turn join the held group of a GroupedCalls', async () => {
    const groups: string[][] = [];
    const hold = new AnswerHold(1, 60_000);
    const sut = new GroupedCalls<string, void>(
      async (items) => {
        groups.push(items);
        return items.map(() => undefined);
      },
      64,
      () => hold.gate(),
    );
    hold.started();
    hold.started();
    const first = sut.call('answered first');
    await nextTurn();
    await nextTurn();

    hold.answered();
    const second = sut.call('answered second'); // what an answer's caller does in the same turn
    await Promise.all([first, second]);

    expect(groups).toEqual([['answered first', 'answered second']]);
  });
});
