import { Logger } from '@nestjs/common';
import { PeriodicRounds } from './periodic-rounds';

describe(PeriodicRounds.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function logger(): Logger & { errors: string[] } {
    const errors: string[] = [];
    return Object.assign(new Logger('test'), { errors, error: (message: string) => errors.push(message) });
  }

  it('skips a tick while the previous round is still running', async () => {
    let release: () => void = () => undefined;
    let rounds = 0;
    const sut = new PeriodicRounds('job', logger(), () => {
      rounds++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    sut.start(100);
    jest.advanceTimersByTime(350);
    expect(rounds).toBe(1);
    release();
    await Promise.resolve();
    await Promise.resolve();
    await Promise.resolve();
    jest.advanceTimersByTime(100);
    expect(rounds).toBe(2);
    release();
    await sut.stop();
  });

  it('logs a failed round with its name and runs the next one', async () => {
    const log = logger();
    let rounds = 0;
    const sut = new PeriodicRounds('the sweep', log, async () => {
      rounds++;
      if (rounds === 1) throw new Error('database gone');
    });
    sut.start(100);
    jest.advanceTimersByTime(100);
    await sut.stop();
    expect(log.errors).toEqual(['the sweep failed: database gone']);
    sut.start(100);
    jest.advanceTimersByTime(100);
    await sut.stop();
    expect(rounds).toBe(2);
  });

  it('stop waits for the round in flight and no round starts after it', async () => {
    let finished = false;
    let rounds = 0;
    const sut = new PeriodicRounds('job', logger(), async () => {
      rounds++;
      await Promise.resolve();
      finished = true;
    });
    sut.start(100);
    jest.advanceTimersByTime(100);
    await sut.stop();
    expect(finished).toBe(true);
    jest.advanceTimersByTime(1_000);
    expect(rounds).toBe(1);
  });
});
