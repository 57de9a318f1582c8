import { backoffMs } from './notification-worker.service';

describe(backoffMs.name, () => {
  const middle = (): number => 0.5;

  it.each([
    { attempts: 1, expected: 1_000 },
    { attempts: 2, expected: 2_000 },
    { attempts: 3, expected: 4_000 },
    { attempts: 10, expected: 60_000 },
  ])('waits $expected ms after attempt $attempts (base 1 s, cap 60 s)', ({ attempts, expected }) => {
    expect(backoffMs(attempts, 1_000, 60_000, middle)).toBe(expected);
  });

  it('spreads retries by up to a quarter either way', () => {
    expect(backoffMs(2, 1_000, 60_000, () => 0)).toBe(1_500);
    expect(backoffMs(2, 1_000, 60_000, () => 1)).toBe(2_500);
  });
});
