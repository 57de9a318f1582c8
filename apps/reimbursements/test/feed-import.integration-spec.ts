import { DataSource } from 'typeorm';
import { Topics } from '@dmp/contracts';
import { FeedImporter, FileBusyError, ImportSource } from '../src/import/feed-importer';
import {
  aLine,
  aTempDir,
  anInsForTest,
  lineText,
  monthsAgo,
  writeFeed,
} from './support/feed-builder';
import {
  aReimbursementsDatabase,
  countLines,
  openRecords,
  outboxEvents,
} from './support/reimbursements-database';

describe(FeedImporter.name, () => {
  let dataSource: DataSource;
  let sut: FeedImporter;
  let dir: string;
  const patient = anInsForTest();
  const otherPatient = anInsForTest();

  beforeAll(async () => {
    ({ dataSource } = await aReimbursementsDatabase('reimbursements_import'));
    await openRecords(dataSource, [patient, otherPatient]);
    sut = new FeedImporter(dataSource, { batchLines: 3, connections: 2 });
    dir = aTempDir();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  const importFile = (
    path: string,
    sha256: string | null,
    extra: { expectedLines?: number } = {},
  ) => sut.import({ path, source: ImportSource.CLI, expectedSha256: sha256, ...extra });

  it('imports a good file and publishes one summary event', async () => {
    const lines = [
      aLine(patient, monthsAgo(1)),
      aLine(patient, monthsAgo(2), {
        codingSystem: 'CIP13',
        code: '3400930000014',
        label: 'Amoxicilline 500 mg',
      }),
      aLine(otherPatient, monthsAgo(23)),
    ];
    const feed = writeFeed(dir, lines);

    const summary = await importFile(feed.path, feed.sha256);

    expect(summary).toMatchObject({
      outcome: 'completed',
      counts: {
        read: 3,
        imported: 3,
        duplicates: 0,
        rejected: 0,
        unknownPatient: 0,
        outOfWindow: 0,
      },
    });
    expect(
      await countLines(dataSource, 'line_id = ANY($1::bigint[])', [lines.map((l) => l.lineId)]),
    ).toBe(3);
    const events = (await outboxEvents(dataSource, Topics.FILE_IMPORTED)).filter(
      (e) => e.key === feed.fileId,
    );
    expect(events).toHaveLength(1);
    expect(events[0].payload.payload).toMatchObject({
      status: 'completed',
      counts: { imported: 3 },
    });
  });

  it('rejects bad lines with their line numbers and reasons and imports the rest', async () => {
    const good = aLine(patient, monthsAgo(3));
    const feed = writeFeed(dir, [
      good,
      aLine(patient, monthsAgo(3), {
        ins: patient.slice(0, 13) + (patient.slice(13) === '00' ? '01' : '00'),
      }),
      aLine(patient, monthsAgo(3), { codingSystem: 'ATC' }),
      'not,a,line',
      aLine(patient, monthsAgo(3), { reimbursed: '999999' }),
      aLine(patient, '2099-01-01', { lineId: '2099010000000001' }),
      aLine(patient, monthsAgo(3), { lineId: '2001010000000001' }),
      aLine(patient, monthsAgo(3), { code: 'X1' }),
    ]);

    const summary = await importFile(feed.path, feed.sha256);
    const rejects = (await dataSource.query(
      'SELECT line_no::int AS "lineNo", reason FROM reimbursement_import_rejects WHERE file_id = $1 ORDER BY line_no',
      [feed.fileId],
    )) as {
      lineNo: number;
      reason: string;
    }[];

    expect(summary.counts).toEqual({
      read: 8,
      imported: 1,
      duplicates: 0,
      rejected: 7,
      unknownPatient: 0,
      outOfWindow: 0,
    });
    expect(rejects.map((r) => r.lineNo)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(rejects[0].reason).toMatch(/^ins: INS key/);
    expect(rejects[1].reason).toMatch(/^coding_system:/);
    expect(rejects[2].reason).toMatch(/fields, expected 11/);
    expect(rejects[3].reason).toMatch(/^reimbursed_cents: is more than charged_cents/);
    expect(rejects[4].reason).toMatch(/^care_date: is in the future/);
    expect(rejects[5].reason).toMatch(/^line_id: must start with the care month/);
    expect(rejects[6].reason).toMatch(/^code: an NGAP key/);
    expect(await countLines(dataSource, 'line_id = $1', [good.lineId])).toBe(1);
  });

  it('refuses a file whose sha256 does not match, whole, and says so in the summary event', async () => {
    const line = aLine(patient, monthsAgo(4));
    const feed = writeFeed(dir, [line]);

    const summary = await importFile(feed.path, 'a'.repeat(64));

    expect(summary.outcome).toBe('refused');
    expect(summary.refusalReason).toMatch(/sha256 mismatch/);
    expect(await countLines(dataSource, 'line_id = $1', [line.lineId])).toBe(0);
    const events = (await outboxEvents(dataSource, Topics.FILE_IMPORTED)).filter(
      (e) => e.key === feed.fileId,
    );
    expect(events.map((e) => e.payload.payload.status)).toEqual(['refused']);
  });

  it('refuses a file without a checksum', async () => {
    const feed = writeFeed(dir, [aLine(patient, monthsAgo(4))], { sidecar: false });

    const summary = await importFile(feed.path, null);

    expect(summary).toMatchObject({
      outcome: 'refused',
      refusalReason: expect.stringMatching(/no sha256/),
    });
  });

  it('refuses a file whose line count does not match its header or its announcement', async () => {
    const lines = [aLine(patient, monthsAgo(5)), aLine(patient, monthsAgo(5))];
    const lying = writeFeed(dir, lines, { declaredLines: 3 });
    const honest = writeFeed(dir, lines);

    const byHeader = await importFile(lying.path, lying.sha256);
    const byAnnouncement = await importFile(honest.path, honest.sha256, { expectedLines: 5 });

    expect(byHeader).toMatchObject({
      outcome: 'refused',
      refusalReason: 'line count mismatch: the header says 3, the file has 2',
    });
    expect(byAnnouncement).toMatchObject({
      outcome: 'refused',
      refusalReason: 'line count mismatch: 5 announced, the file has 2',
    });
    expect(
      await countLines(dataSource, 'line_id = ANY($1::bigint[])', [lines.map((l) => l.lineId)]),
    ).toBe(0);
  });

  it('imports a gzip file', async () => {
    const lines = [
      aLine(patient, monthsAgo(6)),
      aLine(patient, monthsAgo(7)),
      aLine(otherPatient, monthsAgo(8)),
      aLine(otherPatient, monthsAgo(9)),
    ];
    const feed = writeFeed(dir, lines, { gzip: true });

    const summary = await importFile(feed.path, feed.sha256);

    expect(summary.counts).toMatchObject({ read: 4, imported: 4 });
    expect(
      await countLines(dataSource, 'line_id = ANY($1::bigint[])', [lines.map((l) => l.lineId)]),
    ).toBe(4);
  });

  it('adds nothing when the same file comes twice, or when another file repeats its lines', async () => {
    const lines = [
      aLine(patient, monthsAgo(10)),
      aLine(patient, monthsAgo(11)),
      aLine(patient, monthsAgo(12)),
      aLine(patient, monthsAgo(13)),
    ];
    const first = writeFeed(dir, lines);
    const overlapping = writeFeed(dir, [...lines.slice(2), aLine(patient, monthsAgo(14))]);
    const withItselfTwice = writeFeed(dir, [lines[0], lines[0]]);

    await importFile(first.path, first.sha256);
    const again = await importFile(first.path, first.sha256);
    const overlap = await importFile(overlapping.path, overlapping.sha256);
    const twice = await importFile(withItselfTwice.path, withItselfTwice.sha256);

    expect(again).toMatchObject({ outcome: 'already-imported', counts: { imported: 4 } });
    expect(overlap.counts).toMatchObject({ read: 3, imported: 1, duplicates: 2 });
    expect(twice.counts).toMatchObject({ read: 2, imported: 0, duplicates: 2 });
    expect(
      await countLines(dataSource, 'ins = $1 AND care_date <= $2 AND care_date >= $3', [
        patient,
        monthsAgo(10, 28),
        monthsAgo(14, 1),
      ]),
    ).toBe(5);
  });

  it('keeps one copy of a line repeated in a file whose ids are not in order, and skips stored ones', async () => {
    const month = monthsAgo(6);
    const [a, b, stored] = [aLine(patient, month), aLine(patient, month), aLine(patient, month)];
    const before = writeFeed(dir, [stored]);
    await importFile(before.path, before.sha256);
    // Batches of 3: [b, a, b] (ids decreasing, b twice), then [stored, a] (decreasing, both stored).
    const feed = writeFeed(dir, [b, a, b, stored, a]);

    const summary = await importFile(feed.path, feed.sha256);

    expect(summary.counts).toMatchObject({ read: 5, imported: 2, duplicates: 3 });
    const rows = (await dataSource.query(
      'SELECT line_id::text AS id FROM reimbursement_lines WHERE line_id = ANY($1::bigint[]) ORDER BY line_id',
      [[a.lineId, b.lineId, stored.lineId]],
    )) as { id: string }[];
    expect(rows.map((r) => r.id)).toEqual([a.lineId, b.lineId, stored.lineId]);
  });

  it('rejects, with its line number, a line whose id is already stored for another patient', async () => {
    const month = monthsAgo(7);
    const stored = aLine(patient, month);
    const before = writeFeed(dir, [stored]);
    await importFile(before.path, before.sha256);
    const reused = aLine(otherPatient, month, { lineId: stored.lineId });
    const fresh = aLine(otherPatient, month);
    const feed = writeFeed(dir, [fresh, reused]);

    const summary = await importFile(feed.path, feed.sha256);
    const rejects = (await dataSource.query(
      'SELECT line_no::int AS "lineNo", reason FROM reimbursement_import_rejects WHERE file_id = $1',
      [feed.fileId],
    )) as { lineNo: number; reason: string }[];

    expect(summary.counts).toMatchObject({ read: 2, imported: 1, duplicates: 0, rejected: 1 });
    expect(rejects).toEqual([
      {
        lineNo: 2,
        reason: expect.stringMatching(/^line_id: .* already stored for another patient/),
      },
    ]);
    expect(await countLines(dataSource, 'line_id = $1', [stored.lineId])).toBe(1);
    expect(
      await countLines(dataSource, 'line_id = $1 AND ins = $2', [stored.lineId, patient]),
    ).toBe(1);
  });

  it('skips stored lines, and rejects an id reused by a patient of the batch, in a month whose ids interleave with many stored batches', async () => {
    const month = monthsAgo(9);
    // 30 lines = 10 batches of 3 with increasing ids: 10 stored ranges in that month.
    const stored = Array.from({ length: 30 }, () => aLine(patient, month));
    const first = writeFeed(dir, stored);
    await importFile(first.path, first.sha256);
    const below = aLine(patient, month, { lineId: `${stored[0].lineId.slice(0, 6)}0000000123` });
    const reused = aLine(otherPatient, month, { lineId: stored[20].lineId });
    // One batch (of 4) whose id range spans every stored range; its first patient is in it.
    const feed = writeFeed(dir, [below, stored[13], reused, aLine(patient, month)]);
    const importer = new FeedImporter(dataSource, { batchLines: 4, connections: 1 });

    const summary = await importer.import({
      path: feed.path,
      source: ImportSource.CLI,
      expectedSha256: feed.sha256,
    });

    expect(summary.counts).toMatchObject({ read: 4, imported: 2, duplicates: 1, rejected: 1 });
    expect(await countLines(dataSource, 'line_id = $1', [stored[13].lineId])).toBe(1);
    expect(await countLines(dataSource, 'line_id = $1', [reused.lineId])).toBe(1);
    expect(await countLines(dataSource, 'line_id = $1', [below.lineId])).toBe(1);
  });

  it('counts, without storing, lines for patients without an open DMP and lines older than 24 months', async () => {
    const stranger = anInsForTest();
    const old = aLine(patient, monthsAgo(25));
    const feed = writeFeed(dir, [
      aLine(stranger, monthsAgo(1)),
      aLine(stranger, monthsAgo(2)),
      old,
      aLine(patient, monthsAgo(24)),
    ]);

    const summary = await importFile(feed.path, feed.sha256);

    expect(summary.counts).toEqual({
      read: 4,
      imported: 1,
      duplicates: 0,
      rejected: 0,
      unknownPatient: 2,
      outOfWindow: 1,
    });
    expect(await countLines(dataSource, 'ins = $1', [stranger])).toBe(0);
    expect(await countLines(dataSource, 'line_id = $1', [old.lineId])).toBe(0);
  });

  it('treats a closed record like no record', async () => {
    const closed = anInsForTest();
    await dataSource.query(
      `INSERT INTO reimbursement_open_records (ins, is_open, closed_at, last_event_at) VALUES ($1, false, now(), now())`,
      [closed],
    );
    const feed = writeFeed(dir, [aLine(closed, monthsAgo(1))]);

    const summary = await importFile(feed.path, feed.sha256);

    expect(summary.counts).toMatchObject({ imported: 0, unknownPatient: 1 });
  });

  it('keeps quoted labels with commas and quotes intact', async () => {
    const line = aLine(patient, monthsAgo(15), { label: 'Acte "AMI", domicile' });
    const feed = writeFeed(dir, [lineText(line)]);

    await importFile(feed.path, feed.sha256);

    const [row] = (await dataSource.query(
      'SELECT label FROM reimbursement_lines WHERE line_id = $1',
      [line.lineId],
    )) as { label: string }[];
    expect(row.label).toBe('Acte "AMI", domicile');
  });

  it('refuses to import a file another process is importing', async () => {
    const feed = writeFeed(dir, [aLine(patient, monthsAgo(16))]);
    const other = dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock(61474, hashtext($1))', [feed.fileId]);

      await expect(importFile(feed.path, feed.sha256)).rejects.toBeInstanceOf(FileBusyError);
    } finally {
      await other.release();
    }
    expect(await importFile(feed.path, feed.sha256)).toMatchObject({ outcome: 'completed' });
  });
});
