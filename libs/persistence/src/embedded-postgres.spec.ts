import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { letOthersTraverse } from './embedded-postgres';

describe(letOthersTraverse.name, () => {
  let root: string;
  const modeOf = (dir: string) => statSync(dir).mode & 0o7777;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dmp-traverse-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('adds read and traverse for others to a private directory', () => {
    chmodSync(root, 0o700);

    letOthersTraverse(root);

    expect(modeOf(root)).toBe(0o705);
  });

  it('leaves a shared sticky directory such as /tmp as it is', () => {
    chmodSync(root, 0o1777);

    letOthersTraverse(root);

    expect(modeOf(root)).toBe(0o1777);
  });

  it('keeps the group bits and adds only what others lack', () => {
    chmodSync(root, 0o2771);

    letOthersTraverse(root);

    expect(modeOf(root)).toBe(0o2775);
  });
});
