import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readyDroppedFiles, STALE_SIDECAR_MS } from './drop-folder';

const CHECKSUM = 'ab'.repeat(32);

describe(readyDroppedFiles.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drop-folder-'));
  });

  const drop = (name: string, sidecar: string | null) => {
    writeFileSync(join(dir, name), 'data');
    if (sidecar !== null) writeFileSync(join(dir, `${name}.sha256`), sidecar);
  };

  it('takes a file whose sidecar holds 64 hex digits, with the checksum in lower case', async () => {
    drop('a.csv', `${CHECKSUM.toUpperCase()}  a.csv\n`);
    drop('b.csv', CHECKSUM);

    const sut = await readyDroppedFiles(dir);

    expect(sut.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { name: 'a.csv', sha256: CHECKSUM },
      { name: 'b.csv', sha256: CHECKSUM },
    ]);
  });

  it('waits while the sidecar is empty, cut short or not yet there', async () => {
    drop('empty.csv', '');
    drop('partial.csv', CHECKSUM.slice(0, 40));
    drop('no-sidecar.csv', null);

    const sut = await readyDroppedFiles(dir);

    expect(sut).toEqual([]);
  });

  it('does not take a sidecar whose data file is missing', async () => {
    writeFileSync(join(dir, 'gone.csv.sha256'), CHECKSUM);

    expect(await readyDroppedFiles(dir)).toEqual([]);
  });

  it('takes the file without a checksum once a broken sidecar has not changed for the stale delay', async () => {
    drop('broken.csv', 'not a checksum');
    const sidecar = join(dir, 'broken.csv.sha256');
    const now = Date.now();

    const fresh = await readyDroppedFiles(dir, now);
    utimesSync(sidecar, new Date(now - STALE_SIDECAR_MS), new Date(now - STALE_SIDECAR_MS));
    const stale = await readyDroppedFiles(dir, now);

    expect(fresh).toEqual([]);
    expect(stale).toEqual([{ name: 'broken.csv', sha256: null }]);
  });

  it('finds nothing in a folder that does not exist', async () => {
    expect(await readyDroppedFiles(join(dir, 'missing'))).toEqual([]);
  });
});
