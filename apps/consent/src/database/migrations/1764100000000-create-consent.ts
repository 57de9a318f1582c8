import { MigrationInterface, QueryRunner } from 'typeorm';

/** Consent's tables: patients' consent state, the access trace, the notification queue and the local mailbox. */
export class CreateConsent1764100000000 implements MigrationInterface {
  name = 'CreateConsent1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "consent_patients" ("ins" character varying(15) NOT NULL, "state" jsonb NOT NULL, "record_status" character varying(10) NOT NULL, "closed_at" TIMESTAMP WITH TIME ZONE, "email" character varying(254), "mobile" character varying(20), "contacts_changed_at" TIMESTAMP WITH TIME ZONE, "channels" jsonb NOT NULL DEFAULT '[]', "notify_on_new_document" boolean NOT NULL DEFAULT false, "preferences_changed_at" TIMESTAMP WITH TIME ZONE, "legal_representatives" jsonb NOT NULL DEFAULT '[]', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_consent_patients" PRIMARY KEY ("ins"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "access_trace" ("access_id" uuid NOT NULL, "ins" character varying(15) NOT NULL, "accessor_role" character varying(32) NOT NULL, "accessor_id" character varying(64) NOT NULL, "profession" character varying(32), "finess" character varying(9), "mode" character varying(32) NOT NULL, "target_kind" character varying(32) NOT NULL, "target_id" character varying(128) NOT NULL, "document_type" character varying(64), "granted" boolean NOT NULL, "reasons" jsonb NOT NULL, "rules_version" character varying(64) NOT NULL, "emergency_reason" text, "accessed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "producer" character varying(100) NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_access_trace" PRIMARY KEY ("access_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "access_trace_ins_accessed_at_idx" ON "access_trace" ("ins", "accessed_at", "access_id")`);
    // Append-only: the trace is evidence. Rows are never changed; only the retention purge deletes.
    await queryRunner.query(`
      CREATE FUNCTION "access_trace_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'access_trace is append-only';
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER "access_trace_append_only" BEFORE UPDATE ON "access_trace" FOR EACH ROW EXECUTE FUNCTION "access_trace_append_only"()`,
    );
    await queryRunner.query(
      `CREATE TABLE "notifications" ("id" uuid NOT NULL, "dedup_key" character varying(200) NOT NULL, "channel" character varying(16) NOT NULL, "ins" character varying(15) NOT NULL, "trigger" character varying(32) NOT NULL, "recipient" character varying(254) NOT NULL, "subject" character varying(200) NOT NULL, "body" text NOT NULL, "status" character varying(16) NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "sent_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_notifications" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "notifications_ins_created_at_idx" ON "notifications" ("ins", "created_at")`);
    await queryRunner.query(`CREATE INDEX "notifications_due_idx" ON "notifications" ("next_attempt_at") WHERE status = 'pending'`);
    await queryRunner.query(`CREATE UNIQUE INDEX "notifications_dedup_key_channel_key" ON "notifications" ("dedup_key", "channel")`);
    await queryRunner.query(
      `CREATE TABLE "mailbox_messages" ("notification_id" uuid NOT NULL, "ins" character varying(15) NOT NULL, "channel" character varying(16) NOT NULL, "recipient" character varying(254) NOT NULL, "subject" character varying(200) NOT NULL, "body" text NOT NULL, "delivered_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_mailbox_messages" PRIMARY KEY ("notification_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "mailbox_messages_recipient_idx" ON "mailbox_messages" ("recipient")`);
    await queryRunner.query(`CREATE INDEX "mailbox_messages_ins_delivered_at_idx" ON "mailbox_messages" ("ins", "delivered_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mailbox_messages"`);
    await queryRunner.query(`DROP TABLE "notifications"`);
    await queryRunner.query(`DROP TRIGGER "access_trace_append_only" ON "access_trace"`);
    await queryRunner.query(`DROP FUNCTION "access_trace_append_only"()`);
    await queryRunner.query(`DROP TABLE "access_trace"`);
    await queryRunner.query(`DROP TABLE "consent_patients"`);
  }
}
