import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIRECT_ALIGNMENT, PackWriter, alignedBuffer } from './pack-writer';

describe(PackWriter.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmp-pack-writer-'));
  let n = 0;
  const nextPath = (): string => join(dir, `p${n++}.pack`);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function expectBodiesAt(path: string, bodies: Buffer[]): void {
    const file = readFileSync(path);
    let offset = 0;
    for (const body of bodies) {
      expect(file.subarray(offset, offset + body.length).equals(body)).toBe(true);
      offset += body.length;
    }
    // Anything after the bodies is the zero padding of a direct write.
    expect(file.subarray(offset).every((byte) => byte === 0)).toBe(true);
  }

  it('writes the bodies one after the other from offset 0, through O_DIRECT on this filesystem, padded to the alignment', async () => {
    const sut = new PackWriter();
    const bodies = [randomBytes(204_800), randomBytes(1), randomBytes(70_001)];
    const path = nextPath();

    await sut.write(path, bodies);

    expect(sut.usesDirectIo).toBe(true);
    expectBodiesAt(path, bodies);
    const size = statSync(path).size;
    expect(size % DIRECT_ALIGNMENT).toBe(0);
    expect(size - 274_802).toBeLessThan(DIRECT_ALIGNMENT);
  });

  it('splits bodies across staging buffers when a pack is larger than one', async () => {
    const sut = new PackWriter({ directChunkBytes: 2 * DIRECT_ALIGNMENT });
    const bodies = [randomBytes(5_000), randomBytes(20_000), randomBytes(3), randomBytes(2 * DIRECT_ALIGNMENT)];
    const path = nextPath();

    await sut.write(path, bodies);

    expectBodiesAt(path, bodies);
  });

  it('keeps concurrent packs apart (each write has its own staging buffer)', async () => {
    const sut = new PackWriter({ directChunkBytes: 4 * DIRECT_ALIGNMENT });
    const packs = Array.from({ length: 5 }, () => ({ path: nextPath(), bodies: [randomBytes(30_000), randomBytes(9_000)] }));

    await Promise.all(packs.map((p) => sut.write(p.path, p.bodies)));

    for (const p of packs) expectBodiesAt(p.path, p.bodies);
  });

  it('writes through the page cache, to the exact length, when direct writes are off', async () => {
    const sut = new PackWriter({ direct: false });
    const bodies = [randomBytes(1_000), randomBytes(3_333)];
    const path = nextPath();

    await sut.write(path, bodies);

    expect(sut.usesDirectIo).toBe(false);
    expect(readFileSync(path).equals(Buffer.concat(bodies))).toBe(true);
  });

  it('never overwrites an existing file', async () => {
    const sut = new PackWriter();
    const path = nextPath();
    writeFileSync(path, 'taken');

    await expect(sut.write(path, [randomBytes(10)])).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(path, 'utf8')).toBe('taken');
  });

  it('refuses a staging size that is not a multiple of the alignment', () => {
    expect(() => new PackWriter({ directChunkBytes: 1000 })).toThrow(/multiple of 4096/);
  });

  it('gives aligned buffers of the asked size only for multiples of the alignment', () => {
    expect(alignedBuffer(3 * DIRECT_ALIGNMENT)?.length).toBe(3 * DIRECT_ALIGNMENT);
    expect(alignedBuffer(100)).toBeUndefined();
  });
});
