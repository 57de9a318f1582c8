import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createJsonLogger } from '../logger';
import { Flushable, GroupFlusher } from './flusher';

const quiet = createJsonLogger('error', () => undefined);

/** A file written through `write`, counting the flushes the flusher asks for. */
class TestFile implements Flushable {
  flushes = 0;
  unsyncedBytes = 0;
  constructor(readonly fd: number) {}
  write(bytes: number): void {
    fs.writeSync(this.fd, Buffer.alloc(bytes, 1));
    this.unsyncedBytes += bytes;
  }
  flushFd(): number {
    this.flushes++;
    this.unsyncedBytes = 0;
    return this.fd;
  }
}

describe(GroupFlusher.name, () => {
  let dir: string;
  const opened: number[] = [];
  const open = (file: string): TestFile => {
    const fd = fs.openSync(path.join(dir, file), 'w');
    opened.push(fd);
    return new TestFile(fd);
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flusher-spec-'));
  });
  afterEach(() => {
    for (const fd of opened.splice(0)) fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['small (inline on the event loop)', 100],
    ['large (in the thread pool)', 1 << 20],
  ])('syncs a %s round once for every waiter that joined it', async (_, bytes) => {
    const sut = new GroupFlusher(quiet);
    const file = open('a');
    file.write(bytes);
    const first = sut.flush(file);
    file.write(bytes);
    const second = sut.flush(file);
    await Promise.all([first, second]);
    expect(file.flushes).toBe(1);
    expect(sut.rounds).toBe(1);
  });

  it('queues writers arriving during a round for the next one', async () => {
    const sut = new GroupFlusher(quiet);
    const file = open('a');
    file.write(1 << 20);
    const first = sut.flush(file);
    await new Promise<void>((resolve) => setImmediate(resolve));
    file.write(10);
    const second = sut.flush(file);
    await Promise.all([first, second]);
    expect(sut.rounds).toBe(2);
  });

  it.each([
    ['inline', 10],
    ['in the pool', Infinity],
  ])('rejects every waiter of a round whose fdatasync fails (%s)', async (_, unsynced) => {
    const sut = new GroupFlusher(quiet);
    // fdatasync on a character device fails with EINVAL.
    const fd = fs.openSync('/dev/null', 'r');
    opened.push(fd);
    const device: Flushable = { flushFd: () => fd, unsyncedBytes: unsynced };
    const results = await Promise.allSettled([sut.flush(device), sut.flush(device)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
