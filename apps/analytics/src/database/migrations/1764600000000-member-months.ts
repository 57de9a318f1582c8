import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distinct members kept as one row per figure, month and member with the month's days as bits
 * (`member_months`) instead of one row per day (`member_days`): the same days, in about a sixth
 * of the rows, which weeks, months and ever are counted from when read. Every day row becomes a
 * bit; the breakdown and CPAM are those of the member's earliest day in the month. down() gives
 * each bit its day row back.
 */
export class MemberMonths1764600000000 implements MigrationInterface {
  name = 'MemberMonths1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "member_months" ("figure" text NOT NULL, "month" date NOT NULL, "member_id" text NOT NULL, "grp" text NOT NULL DEFAULT '', "cpam_code" character varying(3) NOT NULL DEFAULT '-', "days" integer NOT NULL, CONSTRAINT "PK_member_months" PRIMARY KEY ("figure", "month", "member_id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "member_months" ("figure", "month", "member_id", "grp", "cpam_code", "days")
       SELECT "figure", date_trunc('month', "day"::timestamp)::date, "member_id",
              (array_agg("grp" ORDER BY "day"))[1], (array_agg("cpam_code" ORDER BY "day"))[1],
              bit_or(1 << (extract(day FROM "day")::int - 1))
         FROM "member_days" GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    await queryRunner.query(`CREATE INDEX "member_months_unresolved_idx" ON "member_months" ("member_id") WHERE "cpam_code" = ''`);
    await queryRunner.query(`DROP TABLE "member_days"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "member_days" ("figure" text NOT NULL, "day" date NOT NULL, "member_id" text NOT NULL, "grp" text NOT NULL DEFAULT '', "cpam_code" character varying(3) NOT NULL DEFAULT '-', CONSTRAINT "PK_member_days" PRIMARY KEY ("figure", "day", "member_id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "member_days" ("figure", "day", "member_id", "grp", "cpam_code")
       SELECT "figure", "month" + i, "member_id", "grp", "cpam_code"
         FROM "member_months" CROSS JOIN generate_series(0, 30) AS i WHERE "days" & (1 << i) <> 0`,
    );
    await queryRunner.query(`CREATE INDEX "member_days_unresolved_idx" ON "member_days" ("member_id") WHERE "cpam_code" = ''`);
    await queryRunner.query(`DROP TABLE "member_months"`);
  }
}
