import { CpuByStretch, treeCpuSeconds } from './cpu-sampler';

describe(treeCpuSeconds.name, () => {
  it('counts the CPU this process spends', () => {
    const before = treeCpuSeconds(process.pid);
    const until = process.cpuUsage().user + 300_000;
    let spin = 0;
    while (process.cpuUsage().user < until) spin++;

    expect(spin).toBeGreaterThan(0);
    expect(treeCpuSeconds(process.pid) - before).toBeGreaterThanOrEqual(0.2);
  });

  it('is zero for a process that does not exist', () => {
    expect(treeCpuSeconds(2 ** 30)).toBe(0);
  });
});

describe(CpuByStretch.name, () => {
  it('adds the CPU between two entries to the stretch left, once per stretch name', () => {
    const samples = [0, 1.5, 4, 4.5, 10];
    const sut = new CpuByStretch(1, () => samples.shift() ?? 0);

    sut.enter('openings');
    sut.enter('documents');
    sut.enter('openings');
    sut.enter('openings');
    sut.enter('checks');

    expect(sut.stop()).toEqual({ openings: 2, documents: 2.5, checks: 5.5 });
  });
});
