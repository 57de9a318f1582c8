import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Enrolment takes bursts of thousands of small transactions a second (counters, pharmacies,
 * patients online). A transaction that NOTIFYs holds a database-wide lock from pre-commit until
 * after its WAL flush, so the outbox's per-statement NOTIFY trigger serialised every commit and
 * its fsync: single openings were capped at one commit per fsync (about 50 a second on this
 * disk). Enrolment's relay polls instead (ENROLMENT_OUTBOX_POLL_MS, default 20 ms): commits
 * group again, and the relay publishes whatever accumulated since its last round in one batch.
 */
export class OutboxPolling1764000002000 implements MigrationInterface {
  name = 'OutboxPolling1764000002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "outbox_events" DISABLE TRIGGER "outbox_events_notify"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "outbox_events" ENABLE TRIGGER "outbox_events_notify"`);
  }
}
