import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFeed } from '@dmp/insurer-feed';
import { countFeedLines } from './insurer';

describe(countFeedLines.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmp-sim-feed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counts each given patient's lines and those inside the 24-month window", async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const patients = ['184127510812347', '279057510812366'];
    const out = join(dir, 'feed.csv');
    await generateFeed({
      out,
      lines: 400,
      seed: 3,
      kind: 'backfill',
      now,
      linesPerPatient: 200,
      outOfWindowRatio: 0.1,
      patients,
    });

    const sut = await countFeedLines(out, now);

    expect([...sut.keys()].sort()).toEqual([...patients].sort());
    const total = [...sut.values()].reduce((a, c) => a + c.lines, 0);
    const inWindow = [...sut.values()].reduce((a, c) => a + c.inWindow, 0);
    expect(total).toBe(400);
    // About one line in ten is dated before the window (November 2024 is its first month).
    expect(total - inWindow).toBeGreaterThan(15);
    expect(total - inWindow).toBeLessThan(80);
  });
});
