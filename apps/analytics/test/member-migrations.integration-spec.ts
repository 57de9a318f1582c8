import { DataSource } from 'typeorm';
import { createDataSourceOptions, runMigrations } from '@dmp/persistence';
import { createTestDatabase } from '@dmp/testing';
import { analyticsMigrations } from '../src/database/migrations';
import { MemberDays1764500000000 } from '../src/database/migrations/1764500000000-member-days';

/** A data source running the given migrations only (no entities: the tables are read with SQL). */
function dataSource(url: string, migrations: typeof analyticsMigrations): DataSource {
  return new DataSource(createDataSourceOptions({ url, entities: [], migrations, serviceName: 'analytics-migration-test' }));
}

// The earlier design: a row per member and day, week, month and ever, and their counts.
const DAYS: Array<[figure: string, day: string, member: string, grp: string, cpam: string]> = [
  ['feeding-professionals', '2019-11-29', 'r1', 'nurse', '-'],
  ['feeding-professionals', '2019-12-01', 'r1', 'nurse', '-'],
  ['feeding-professionals', '2019-12-02', 'r1', 'nurse', '-'],
  ['feeding-professionals', '2019-12-31', 'r2', 'physician', '-'],
  ['adding-patients', '2019-12-03', '123456789012345', '', ''],
  ['adding-patients', '2019-12-03', '223456789012345', '', '251'],
];
const PERIODS: Record<string, (day: string) => string> = {
  d: (day) => day,
  w: (day) => {
    const date = new Date(`${day}T00:00:00.000Z`);
    date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
    return date.toISOString().slice(0, 10);
  },
  m: (day) => `${day.slice(0, 8)}01`,
  a: () => '1970-01-01',
};

describe('analytics distinct-member migrations', () => {
  let sut: DataSource;
  const members = async (): Promise<unknown[]> => sut.query(`SELECT figure, granularity, period::text, member_id, grp, cpam_code FROM distinct_members ORDER BY 1, 2, 3, 4`);
  const counts = async (): Promise<unknown[]> => sut.query(`SELECT figure, granularity, period::text, grp, cpam_code, sum(members)::int AS members FROM distinct_counts GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`);

  beforeAll(async () => {
    const url = await createTestDatabase('analytics_members');
    const before = dataSource(url, analyticsMigrations.slice(0, analyticsMigrations.indexOf(MemberDays1764500000000)));
    await before.initialize();
    await runMigrations(before);
    for (const [figure, day, member, grp, cpam] of DAYS) {
      for (const [granularity, period] of Object.entries(PERIODS)) {
        await before.query(`INSERT INTO distinct_members (figure, granularity, period, member_id, grp, cpam_code) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, [figure, granularity, period(day), member, grp, cpam]);
      }
    }
    // The counters as the earlier design kept them, spread over two slots.
    await before.query(`INSERT INTO distinct_counts (figure, granularity, period, grp, cpam_code, slot, members)
      SELECT figure, granularity, period, grp, cpam_code, s, CASE WHEN s = 0 THEN count(*) - 1 ELSE 1 END FROM distinct_members CROSS JOIN (VALUES (0), (1)) AS v(s) GROUP BY 1, 2, 3, 4, 5, 6`);
    await before.destroy();
    sut = dataSource(url, analyticsMigrations);
    await sut.initialize();
  });

  afterAll(async () => {
    await sut?.destroy();
  });

  it('folds the day rows into one row per member and month with the days as bits, and derives the earlier tables back on the way down', async () => {
    const originalMembers = await members();
    const originalCounts = await counts();

    await runMigrations(sut);

    expect(await sut.query(`SELECT figure, month::text, member_id, grp, cpam_code, days FROM member_months ORDER BY 1, 2, 3`)).toEqual([
      { figure: 'adding-patients', month: '2019-12-01', member_id: '123456789012345', grp: '', cpam_code: '', days: 1 << 2 },
      { figure: 'adding-patients', month: '2019-12-01', member_id: '223456789012345', grp: '', cpam_code: '251', days: 1 << 2 },
      { figure: 'feeding-professionals', month: '2019-11-01', member_id: 'r1', grp: 'nurse', cpam_code: '-', days: 1 << 28 },
      { figure: 'feeding-professionals', month: '2019-12-01', member_id: 'r1', grp: 'nurse', cpam_code: '-', days: (1 << 0) | (1 << 1) },
      { figure: 'feeding-professionals', month: '2019-12-01', member_id: 'r2', grp: 'physician', cpam_code: '-', days: 1 << 30 },
    ]);
    expect(await sut.query(`SELECT to_regclass('distinct_members') AS members, to_regclass('distinct_counts') AS counts, to_regclass('member_days') AS days`)).toEqual([{ members: null, counts: null, days: null }]);

    await sut.undoLastMigration();
    await sut.undoLastMigration();

    expect(await members()).toEqual(originalMembers);
    expect(await counts()).toEqual(originalCounts);
  });
});
