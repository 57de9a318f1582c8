import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Topics } from '@dmp/contracts';
import { BUNDLE_MAX_MESSAGES } from '@dmp/messaging';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, EntityManager } from 'typeorm';
import { collisionOutcome } from '../records/open-record/open-record.usecase';
import { Opener } from '../records/opener';
import { findRecordsByIns } from '../records/record-rows';
import { MAX_LEGAL_REPRESENTATIVES } from '../records/dto/open-record.dto';
import { BulkRowResult, PreparedBatch, STAGING_COLUMNS } from './bulk-batch-preparer';

/** A batch's outcome: its result lines (file order) and the count of each outcome. */
export interface BatchOutcome {
  results: string[];
  opened: number;
  alreadyOpened: number;
  conflicts: number;
  rejected: number;
}

/** Runs inside the batch's transaction, after the openings: the job records its result lines and counters there. */
export type AfterBatch = (manager: EntityManager, outcome: BatchOutcome) => Promise<void>;

const RECORD_COLUMNS = `id, ins, family_name, given_names, birth_date, cpam_code, email, mobile, emergency_access, samu_access,
  legal_representatives, opening_channel, opened_at, opened_by_role, opened_by_id, opening_finess, opening_cpam_code,
  consent_given_by, consent_at, consent_place, consent_channel`;

// Temporary (per session, never WAL-logged) and emptied at each commit: each pooled connection
// creates it once, then every batch on that connection reuses it.
const CREATE_STAGING = `
  CREATE TEMP TABLE IF NOT EXISTS bulk_opening_rows (
    id uuid, ins varchar(15), family_name varchar(100), given_names varchar(200), birth_date date, cpam_code char(3),
    email varchar(254), mobile varchar(20), emergency_access boolean, samu_access boolean, legal_representatives jsonb,
    opening_channel varchar(20), opened_at timestamptz, opened_by_role varchar(30), opened_by_id varchar(64),
    opening_finess varchar(9), opening_cpam_code char(3), consent_given_by varchar(15), consent_at timestamptz,
    consent_place varchar(200), consent_channel varchar(20), ord int, opened_line text, attached_lines text, attached_count int
  ) ON COMMIT DELETE ROWS`;

// The opening insert of POST /records (record-rows.ts) in its set form, with the outbox bundles of
// exactly the records inserted, in one statement. Records that do not collide with an existing
// INS are inserted; ON CONFLICT on the unique INS index is what makes an opening idempotent,
// across batches, jobs and instances alike. The events were rendered beforehand (staging columns
// opened_line, attached_lines): PostgreSQL keeps those of the inserted ids and writes them as
// bundles (one outbox row per topic and BUNDLE_MAX_MESSAGES events, lines in file order, the
// record-opened bundle before the dependant-attached one), as appendBundle would. Answers the
// rows that collided, for their outcome.
const INSERT_STAGED = `
  WITH inserted AS (
    INSERT INTO records (${RECORD_COLUMNS}, status, updated_at)
    SELECT ${RECORD_COLUMNS}, 'open', opened_at FROM bulk_opening_rows
    -- INS order: two campaigns overlapping in opposite orders take row locks in the same order (no deadlock).
    ORDER BY ins
    ON CONFLICT (ins) DO NOTHING
    RETURNING id
  ), events AS (
    INSERT INTO outbox_events (topic, key, headers, payload, messages, message_count)
    SELECT topic, NULL, '{}', NULL, messages, message_count FROM (
      SELECT 0 AS kind, s.ord / $3 AS chunk, $1::text AS topic, string_agg(s.opened_line, E'\\n' ORDER BY s.ord) AS messages, count(*) AS message_count
        FROM bulk_opening_rows s JOIN inserted i ON i.id = s.id GROUP BY s.ord / $3
      UNION ALL
      SELECT 1, s.ord / $4, $2::text, string_agg(s.attached_lines, E'\\n' ORDER BY s.ord), sum(s.attached_count)
        FROM bulk_opening_rows s JOIN inserted i ON i.id = s.id WHERE s.attached_count > 0 GROUP BY s.ord / $4
    ) bundles
    ORDER BY kind, chunk
  )
  SELECT s.ord, s.ins FROM bulk_opening_rows s WHERE NOT EXISTS (SELECT 1 FROM inserted i WHERE i.id = s.id)`;

const stagedConnections = new WeakSet<PoolClient>();

/**
 * Writes one prepared batch of campaign openings (BulkBatchPreparer) in one transaction: COPY of
 * the rows into a staging table, one statement inserting the records and the outbox bundles of
 * those inserted, then the caller's result lines and counters. Per row the main thread does
 * nothing but for rows whose INS collided: their outcome follows POST /records, already-opened
 * (same opener and channel) or conflict.
 */
@Injectable()
export class BulkOpeningWriter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async write(batch: PreparedBatch, opener: Opener, afterBatch: AfterBatch): Promise<BatchOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const collided = batch.valid === 0 ? [] : await this.insert(manager, batch);
      const outcome: BatchOutcome = { results: batch.results, opened: batch.valid - collided.length, alreadyOpened: 0, conflicts: 0, rejected: batch.rejected };
      if (collided.length > 0) {
        const existingByIns = new Map((await findRecordsByIns(manager, [...new Set(collided.map((c) => c.ins))])).map((r) => [r.ins, r]));
        outcome.results = [...batch.results];
        for (const { ord, ins } of collided) {
          const { kind, record } = collisionOutcome(ins, existingByIns.get(ins), opener);
          if (kind === 'already-opened') outcome.alreadyOpened++;
          else outcome.conflicts++;
          const { line } = JSON.parse(batch.results[ord]) as BulkRowResult;
          outcome.results[ord] = JSON.stringify({ line, ins, outcome: kind, recordId: record.id } satisfies BulkRowResult);
        }
      }
      await afterBatch(manager, outcome);
      return outcome;
    });
  }

  /** COPY into staging + the insert statement; the rows that collided with an existing INS. */
  private async insert(manager: EntityManager, batch: PreparedBatch): Promise<Array<{ ord: number; ins: string }>> {
    const runner = manager.queryRunner;
    if (!runner) throw new Error('BulkOpeningWriter needs a transaction');
    const client = (await runner.connect()) as PoolClient;
    if (!stagedConnections.has(client)) {
      await client.query(CREATE_STAGING);
      stagedConnections.add(client);
    }
    const stream = client.query(copyFrom(`COPY bulk_opening_rows (${STAGING_COLUMNS}) FROM STDIN`));
    await new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(Buffer.from(batch.copy.buffer, batch.copy.byteOffset, batch.copy.byteLength));
    });
    const result = await client.query<{ ord: number; ins: string }>({
      name: 'enrolment-bulk-insert-rows',
      text: INSERT_STAGED,
      // A row carries one record-opened event but up to MAX_LEGAL_REPRESENTATIVES
      // dependant-attached ones: those bundles take fewer rows to stay within BUNDLE_MAX_MESSAGES.
      values: [
        Topics.RECORD_OPENED,
        Topics.DEPENDANT_ATTACHED,
        BUNDLE_MAX_MESSAGES,
        Math.floor(BUNDLE_MAX_MESSAGES / MAX_LEGAL_REPRESENTATIVES),
      ],
    });
    return result.rows;
  }
}
