import { waitFor } from '../src';

describe(waitFor.name, () => {
  it('resolves with the first truthy value the condition returns', async () => {
    let calls = 0;

    const sut = await waitFor(() => (++calls >= 3 ? `after ${calls}` : false), { intervalMs: 1 });

    expect(sut).toBe('after 3');
  });

  it('treats a throwing condition as not yet and reports the last error on timeout', async () => {
    const sut = waitFor(
      () => {
        throw new Error('not connected');
      },
      { timeoutMs: 30, intervalMs: 5, message: 'the broker' },
    );

    await expect(sut).rejects.toThrow(/the broker not met within 30 ms; last error: not connected/);
  });

  it('returns zero and empty strings as values, since only false, null and undefined mean not yet', async () => {
    await expect(waitFor(() => 0)).resolves.toBe(0);
  });
});
