import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distinct members kept once per day: `member_days` (figure, day, member) replaces
 * `distinct_members` (a row per day, week, month and ever) and its counters `distinct_counts`;
 * weeks, months and ever are counted when read. The day rows carry everything the other
 * granularities were derived from, so they are moved as they are. down() derives the week, month
 * and ever rows and their counts back from the days (the breakdown and CPAM of a member's
 * earliest day in the period, the counters in slot 0).
 */
export class MemberDays1764500000000 implements MigrationInterface {
  name = 'MemberDays1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "member_days" ("figure" text NOT NULL, "day" date NOT NULL, "member_id" text NOT NULL, "grp" text NOT NULL DEFAULT '', "cpam_code" character varying(3) NOT NULL DEFAULT '-', CONSTRAINT "PK_member_days" PRIMARY KEY ("figure", "day", "member_id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "member_days" ("figure", "day", "member_id", "grp", "cpam_code")
       SELECT "figure", "period", "member_id", "grp", "cpam_code" FROM "distinct_members" WHERE "granularity" = 'd' ORDER BY 1, 2, 3`,
    );
    await queryRunner.query(`CREATE INDEX "member_days_unresolved_idx" ON "member_days" ("member_id") WHERE "cpam_code" = ''`);
    await queryRunner.query(`DROP TABLE "distinct_counts"`);
    await queryRunner.query(`DROP TABLE "distinct_members"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "distinct_members" ("figure" text NOT NULL, "granularity" character(1) NOT NULL, "period" date NOT NULL, "member_id" text NOT NULL, "grp" text NOT NULL DEFAULT '', "cpam_code" character varying(3) NOT NULL DEFAULT '-', CONSTRAINT "PK_distinct_members" PRIMARY KEY ("figure", "granularity", "period", "member_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "distinct_members_unresolved_idx" ON "distinct_members" ("member_id") WHERE "cpam_code" = ''`);
    await queryRunner.query(
      `CREATE TABLE "distinct_counts" ("figure" text NOT NULL, "granularity" character(1) NOT NULL, "period" date NOT NULL, "grp" text NOT NULL, "cpam_code" character varying(3) NOT NULL, "members" bigint NOT NULL DEFAULT '0', "slot" smallint NOT NULL, CONSTRAINT "PK_distinct_counts" PRIMARY KEY ("figure", "granularity", "period", "grp", "cpam_code", "slot"))`,
    );
    for (const [granularity, period] of [
      ['d', `"day"`],
      ['w', `date_trunc('week', "day"::timestamp)::date`],
      ['m', `date_trunc('month', "day"::timestamp)::date`],
      ['a', `'1970-01-01'::date`],
    ]) {
      await queryRunner.query(
        `INSERT INTO "distinct_members" ("figure", "granularity", "period", "member_id", "grp", "cpam_code")
         SELECT DISTINCT ON ("figure", ${period}, "member_id") "figure", '${granularity}', ${period}, "member_id", "grp", "cpam_code"
           FROM "member_days" ORDER BY "figure", ${period}, "member_id", "day"`,
      );
    }
    await queryRunner.query(
      `INSERT INTO "distinct_counts" ("figure", "granularity", "period", "grp", "cpam_code", "slot", "members")
       SELECT "figure", "granularity", "period", "grp", "cpam_code", 0, count(*) FROM "distinct_members" GROUP BY 1, 2, 3, 4, 5`,
    );
    await queryRunner.query(`DROP TABLE "member_days"`);
  }
}
