import { Pool, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { addMonthsToYyyymm, careWindow, windowMonths } from '../src/feed/care-window';
import { monthFirstLineId } from '../src/feed/feed-format';
import { ensurePartitions } from '../src/import/partitions';
import {
  HistoryBatchReader,
  HistoryReadRequest,
  HistoryReadResult,
} from '../src/history/history-batch.reader';
import { anInsForTest, monthsAgo } from './support/feed-builder';
import { aReimbursementsDatabase } from './support/reimbursements-database';

/** Runs the statements on a real pool and counts them (how many reads went in one statement). */
class CountingRunner {
  statements = 0;

  constructor(private readonly pool: Pool) {}

  query<R extends QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>> {
    this.statements += 1;
    return this.pool.query<R>(config);
  }
}

let seq = 0;
function lineId(careDate: string): string {
  seq += 1;
  return `${careDate.slice(0, 4)}${careDate.slice(5, 7)}${String(seq).padStart(10, '0')}`;
}

function requestFor(ins: string, overrides: Partial<HistoryReadRequest> = {}): HistoryReadRequest {
  const window = careWindow(new Date());
  const from = overrides.from ?? monthsAgo(24, 1);
  const to = overrides.to ?? new Date().toISOString().slice(0, 10);
  return {
    ins,
    from,
    to,
    idFrom: monthFirstLineId(Number(from.slice(0, 4)) * 100 + Number(from.slice(5, 7))),
    idTo: monthFirstLineId(addMonthsToYyyymm(window.endMonth, 1)),
    limit: 50,
    offset: 0,
    codingSystem: null,
    ...overrides,
  };
}

describe(HistoryBatchReader.name, () => {
  let dataSource: DataSource;
  let pool: Pool;
  let runner: CountingRunner;
  let sut: HistoryBatchReader;
  const alice = anInsForTest();
  const bob = anInsForTest();
  const stranger = anInsForTest();
  const carol = anInsForTest();

  beforeAll(async () => {
    let url: string;
    ({ url, dataSource } = await aReimbursementsDatabase('reimbursements_history_batch'));
    const queryRunner = dataSource.createQueryRunner();
    await queryRunner.connect();
    try {
      await ensurePartitions(queryRunner, windowMonths(careWindow(new Date())));
    } finally {
      await queryRunner.release();
    }
    const insert = async (
      ins: string,
      careDate: string,
      system: string,
      code: string,
      charged: number,
    ): Promise<void> => {
      await dataSource.query(
        `INSERT INTO reimbursement_lines VALUES ($1, $2, $3, $4, $5, 'Libellé "cité"', 1, NULL, '10727576190', $6, $7)`,
        [lineId(careDate), ins, careDate, system, code, charged, Math.floor(charged / 2)],
      );
    };
    await insert(alice, monthsAgo(1, 9), 'CIP13', '3400930000014', 700);
    await insert(alice, monthsAgo(1, 5), 'NGAP', 'G', 3000);
    await insert(alice, monthsAgo(3, 2), 'NGAP', 'G', 3000);
    await insert(bob, monthsAgo(2, 4), 'NABM', '1104', 900);
    await insert(bob, monthsAgo(6, 4), 'CIP13', '3400930000014', 1400);
    await dataSource.query(
      `INSERT INTO reimbursement_lines VALUES ($1, $2, $3, 'LPP', '1136386', $4, 2, '10995016382', '10727576190', 1250, 750)`,
      [lineId(monthsAgo(4, 20)), carol, monthsAgo(4, 20), 'Bande \\ "cohésive" 10 cm'],
    );
    await insert(carol, monthsAgo(4, 11), 'CCAM', 'YYYY010', 5000);
    await insert(carol, monthsAgo(9, 3), 'NABM', '1104', 900);
    await dataSource.query(
      `INSERT INTO reimbursement_consent_states (ins, state, updated_at) VALUES ($1, '{"ins": "${alice}"}', now())`,
      [alice],
    );
    pool = new Pool({
      connectionString: url,
      max: 2,
      options: '-c DateStyle=ISO,YMD -c plan_cache_mode=force_generic_plan',
    });
    runner = new CountingRunner(pool);
    sut = new HistoryBatchReader(runner);
  }, 90_000);

  afterAll(async () => {
    await sut?.settle();
    await pool?.end();
    await dataSource?.destroy();
  });

  it('answers each read of a group with its own patient, range, filter and page', async () => {
    const before = runner.statements;

    const [first, aliceAll, bobDrugs, alicePage2, bobRecent, nobody] = await Promise.all([
      sut.read(requestFor(alice)),
      sut.read(requestFor(alice)),
      sut.read(requestFor(bob, { codingSystem: 'CIP13' })),
      sut.read(requestFor(alice, { limit: 2, offset: 2 })),
      sut.read(requestFor(bob, { from: monthsAgo(3, 1) })),
      sut.read(requestFor(stranger)),
    ]);

    // The six reads arrive in the same turn of the event loop: one statement.
    expect(runner.statements - before).toBe(1);
    expect(first).toEqual(aliceAll);
    expect(aliceAll.total).toBe(3);
    expect(aliceAll.state).toEqual({ ins: alice });
    expect((JSON.parse(aliceAll.lines) as { careDate: string }[]).map((l) => l.careDate)).toEqual([
      monthsAgo(1, 9),
      monthsAgo(1, 5),
      monthsAgo(3, 2),
    ]);
    expect(JSON.parse(aliceAll.months)).toEqual([
      { month: monthsAgo(1).slice(0, 7), lines: 2, chargedCents: 3700, reimbursedCents: 1850 },
      { month: monthsAgo(3).slice(0, 7), lines: 1, chargedCents: 3000, reimbursedCents: 1500 },
    ]);
    expect(JSON.parse(aliceAll.lines)[0]).toMatchObject({
      codingSystem: 'cip13',
      code: '3400930000014',
      label: 'Libellé "cité"',
      prescriber: null,
      quantity: 1,
    });
    expect(bobDrugs.total).toBe(1);
    expect(bobDrugs.state).toBeNull();
    expect(JSON.parse(bobDrugs.lines)).toMatchObject([{ careDate: monthsAgo(6, 4) }]);
    expect(alicePage2.total).toBe(3);
    expect(JSON.parse(alicePage2.lines)).toMatchObject([{ careDate: monthsAgo(3, 2) }]);
    expect(bobRecent.total).toBe(1);
    expect(JSON.parse(bobRecent.lines)).toMatchObject([{ careDate: monthsAgo(2, 4) }]);
    expect(nobody).toMatchObject({ total: 0, lines: '[]', months: '[]', state: null });
  });

  it('deals the reads of a turn to its lanes in turn: one statement per lane, each read its own answer', async () => {
    const lanes = new HistoryBatchReader(runner, 64, 2);
    const before = runner.statements;

    const [aliceAll, bobAll, alicePage2, nobody] = await Promise.all([
      lanes.read(requestFor(alice)),
      lanes.read(requestFor(bob)),
      lanes.read(requestFor(alice, { limit: 2, offset: 2 })),
      lanes.read(requestFor(stranger)),
    ]);

    expect(runner.statements - before).toBe(2);
    expect(aliceAll).toMatchObject({ total: 3, state: { ins: alice } });
    expect(bobAll).toMatchObject({ total: 2, state: null });
    expect(JSON.parse(alicePage2.lines)).toMatchObject([{ careDate: monthsAgo(3, 2) }]);
    expect(nobody).toMatchObject({ total: 0, lines: '[]' });
    await lanes.settle();
  });

  it('answers a read alone (its own statement) exactly as within a group', async () => {
    const reads = [
      requestFor(carol),
      requestFor(carol, { limit: 1, offset: 1 }),
      requestFor(carol, { codingSystem: 'LPP' }),
      requestFor(carol, { from: monthsAgo(5, 1), to: monthsAgo(4, 15) }),
      requestFor(alice),
      requestFor(stranger),
    ];
    const grouped = await Promise.all(reads.map((request) => sut.read(request)));
    const before = runner.statements;

    const alone: HistoryReadResult[] = [];
    for (const request of reads) alone.push(await sut.read(request));

    expect(runner.statements - before).toBe(reads.length);
    expect(alone).toEqual(grouped);
    const [all, second, devices, fortnight] = alone;
    expect(JSON.parse(all.lines)).toEqual([
      {
        lineId: expect.any(String),
        careDate: monthsAgo(4, 20),
        codingSystem: 'lpp',
        code: '1136386',
        label: 'Bande \\ "cohésive" 10 cm',
        quantity: 2,
        prescriber: '10995016382',
        performer: '10727576190',
        chargedCents: 1250,
        reimbursedCents: 750,
      },
      expect.objectContaining({
        careDate: monthsAgo(4, 11),
        codingSystem: 'ccam',
        prescriber: null,
      }),
      expect.objectContaining({ careDate: monthsAgo(9, 3), codingSystem: 'nabm' }),
    ]);
    expect(JSON.parse(all.months)).toEqual([
      { month: monthsAgo(4).slice(0, 7), lines: 2, chargedCents: 6250, reimbursedCents: 3250 },
      { month: monthsAgo(9).slice(0, 7), lines: 1, chargedCents: 900, reimbursedCents: 450 },
    ]);
    expect(all.total).toBe(3);
    expect(second.total).toBe(3);
    expect(JSON.parse(second.lines)).toMatchObject([{ careDate: monthsAgo(4, 11) }]);
    expect(devices.total).toBe(1);
    expect(JSON.parse(devices.months)).toEqual([
      { month: monthsAgo(4).slice(0, 7), lines: 1, chargedCents: 1250, reimbursedCents: 750 },
    ]);
    expect(fortnight.total).toBe(1);
    expect(JSON.parse(fortnight.lines)).toMatchObject([{ careDate: monthsAgo(4, 11) }]);
  });

  it('fails every read of a group when its statement fails, and serves the next group', async () => {
    const alone = sut.read(requestFor(alice));
    // Its statement is sent at the end of this turn; the two reads below queue for the next one.
    await new Promise((resolve) => setImmediate(resolve));
    const broken = sut.read(requestFor(alice, { from: 'not-a-date' }));
    const sameGroup = sut.read(requestFor(bob));

    await expect(alone).resolves.toMatchObject({ total: 3 });
    await expect(broken).rejects.toThrow(/date/);
    await expect(sameGroup).rejects.toThrow(/date/);
    await expect(sut.read(requestFor(bob))).resolves.toMatchObject({ total: 2 });
  });
});
