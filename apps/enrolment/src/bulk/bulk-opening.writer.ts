import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { EventEnvelope } from '@dmp/contracts';
import { appendBundleToOutbox } from '@dmp/messaging';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, EntityManager } from 'typeorm';
import { OpeningOutcome, collisionOutcome } from '../records/open-record/open-record.usecase';
import { Opener } from '../records/opener';
import { OpeningData } from '../records/opening-rules';
import { openingEvents } from '../records/record-events';
import { NewRecordRow, findRecordsByIns, fromNewRow, newRecordRow } from '../records/record-rows';

/** Runs inside the batch's transaction, after the openings: the job records its result lines and counters there. */
export type AfterBatch = (manager: EntityManager, outcomes: OpeningOutcome[]) => Promise<void>;

const STAGING_COLUMNS = `id, ins, family_name, given_names, birth_date, cpam_code, email, mobile, emergency_access, samu_access,
  legal_representatives, opening_channel, opened_at, opened_by_role, opened_by_id, opening_finess, opening_cpam_code,
  consent_given_by, consent_at, consent_place, consent_channel`;

// Temporary (per session, never WAL-logged) and emptied at each commit: each pooled connection
// creates it once, then every batch on that connection reuses it.
const CREATE_STAGING = `
  CREATE TEMP TABLE IF NOT EXISTS bulk_opening_staging (
    id uuid, ins varchar(15), family_name varchar(100), given_names varchar(200), birth_date date, cpam_code char(3),
    email varchar(254), mobile varchar(20), emergency_access boolean, samu_access boolean, legal_representatives jsonb,
    opening_channel varchar(20), opened_at timestamptz, opened_by_role varchar(30), opened_by_id varchar(64),
    opening_finess varchar(9), opening_cpam_code char(3), consent_given_by varchar(15), consent_at timestamptz,
    consent_place varchar(200), consent_channel varchar(20)
  ) ON COMMIT DELETE ROWS`;

// The opening insert of POST /records (record-rows.ts) in its set form: records that do not
// collide with an existing INS are inserted; ON CONFLICT on the unique INS index is what makes
// an opening idempotent, across batches, jobs and instances alike.
const INSERT_STAGED = `
  INSERT INTO records (${STAGING_COLUMNS}, status, updated_at)
  SELECT ${STAGING_COLUMNS}, 'open', opened_at FROM bulk_opening_staging
  -- INS order: two campaigns overlapping in opposite orders take row locks in the same order (no deadlock).
  ORDER BY ins
  ON CONFLICT (ins) DO NOTHING
  RETURNING id`;

const stagedConnections = new WeakSet<PoolClient>();

// COPY's text format: backslash escapes for the four characters that would break a line or a
// field; \N is NULL.
const COPY_SPECIAL = /[\\\n\r\t]/;
function copyField(value: string | null): string {
  if (value === null) return '\\N';
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

/**
 * Writes one batch of validated campaign openings in one transaction: the records (COPY into a
 * staging table, then one insert-select), the outbox events of exactly the records inserted, as
 * outbox bundles (one row per topic instead of one per event: see @dmp/messaging's
 * appendBundle; the relay still publishes one Kafka message per event), then the caller's result
 * lines and counters. Outcomes follow POST /records: opened, already-opened (same opener and
 * channel) or conflict.
 */
@Injectable()
export class BulkOpeningWriter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async write(openings: OpeningData[], opener: Opener, correlationId: string, afterBatch: AfterBatch): Promise<OpeningOutcome[]> {
    const openedAt = new Date();
    const rows = openings.map((o) => newRecordRow(o, opener, openedAt));
    return this.dataSource.transaction(async (manager) => {
      const inserted = rows.length === 0 ? new Set<string>() : await this.insert(manager, rows);
      const collided = [...new Set(rows.filter((r) => !inserted.has(r.id)).map((r) => r.ins))];
      const existingByIns = new Map((await findRecordsByIns(manager, collided)).map((r) => [r.ins, r]));
      const events: EventEnvelope[] = [];
      const outcomes = rows.map((row): OpeningOutcome => {
        if (inserted.has(row.id)) {
          const record = fromNewRow(row);
          events.push(...openingEvents(record, correlationId));
          return { kind: 'opened', record };
        }
        return collisionOutcome(row.ins, existingByIns.get(row.ins), opener);
      });
      // After the record inserts, which lock the INS: per key, outbox ids follow commit order.
      await appendBundleToOutbox(manager, events);
      await afterBatch(manager, outcomes);
      return outcomes;
    });
  }

  /** COPY into staging + one insert-select; the ids of the rows actually inserted. */
  private async insert(manager: EntityManager, rows: NewRecordRow[]): Promise<Set<string>> {
    const runner = manager.queryRunner;
    if (!runner) throw new Error('BulkOpeningWriter needs a transaction');
    const client = (await runner.connect()) as PoolClient;
    if (!stagedConnections.has(client)) {
      await client.query(CREATE_STAGING);
      stagedConnections.add(client);
    }
    let text = '';
    for (const r of rows) {
      text +=
        `${r.id}\t${r.ins}\t${copyField(r.familyName)}\t${copyField(r.givenNames)}\t${r.birthDate}\t${r.cpamCode}\t` +
        `${copyField(r.email)}\t${copyField(r.mobile)}\t${r.emergencyAccess ? 't' : 'f'}\t${r.samuAccess ? 't' : 'f'}\t` +
        `${copyField(JSON.stringify(r.legalRepresentatives))}\t${r.openingChannel}\t${r.openedAt.toISOString()}\t${r.openedByRole}\t` +
        `${copyField(r.openedById)}\t${copyField(r.openingFiness)}\t${copyField(r.openingCpamCode)}\t${r.consentGivenBy}\t` +
        `${r.consentAt.toISOString()}\t${copyField(r.consentPlace)}\t${r.consentChannel}\n`;
    }
    const stream = client.query(copyFrom(`COPY bulk_opening_staging (${STAGING_COLUMNS}) FROM STDIN`));
    await new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(text);
    });
    const result = await client.query<{ id: string }>({ name: 'enrolment-bulk-insert-staged', text: INSERT_STAGED });
    return new Set(result.rows.map((r) => r.id));
  }
}

