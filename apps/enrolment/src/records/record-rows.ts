import { EventEnvelope } from '@dmp/contracts';
import { bundleLine, topicOf } from '@dmp/messaging';
import { arrayLiteral, type ArrayLiteralElement } from '@dmp/persistence';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { Opener } from './opener';
import { newRecordId } from './record-id';
import { OpeningData } from './opening-rules';
import { RecordEntity, StoredRepresentative } from './record.entity';

/**
 * Raw SQL for single openings (concurrent requests share a statement of up to 64 rows; bulk
 * campaigns have their own COPY writer in bulk/): one multi-row
 * INSERT ... SELECT FROM unnest(...) ON CONFLICT ("ins") DO NOTHING RETURNING, whatever the
 * number of rows (a fixed set of array parameters, so PostgreSQL's 65,535-parameter limit never
 * bites and the statement plans the same for 2 or 64 rows; one row has its own statement).
 */

// Dates are read as text: node-pg would turn a `date` into a local-midnight Date.
const SELECT_COLUMNS = `id, ins, status, family_name, given_names, birth_date::text AS birth_date, cpam_code, email, mobile,
  emergency_access, samu_access, legal_representatives, opening_channel, opened_at, opened_by_role, opened_by_id,
  opening_finess, opening_cpam_code, consent_given_by, consent_at, consent_place, consent_channel, closed_at,
  closure_reason, closure_date::text AS closure_date, closed_by, reactivated_at, updated_at`;

export interface NewRecordRow {
  id: string;
  ins: string;
  familyName: string;
  givenNames: string;
  birthDate: string;
  cpamCode: string;
  email: string | null;
  mobile: string | null;
  emergencyAccess: boolean;
  samuAccess: boolean;
  legalRepresentatives: StoredRepresentative[];
  openingChannel: string;
  openedAt: Date;
  openedByRole: string;
  openedById: string;
  openingFiness: string | null;
  openingCpamCode: string | null;
  consentGivenBy: string;
  consentAt: Date;
  consentPlace: string;
  consentChannel: string;
}

interface RawRecordRow {
  id: string;
  ins: string;
  status: 'open' | 'closed';
  family_name: string;
  given_names: string;
  birth_date: string;
  cpam_code: string;
  email: string | null;
  mobile: string | null;
  emergency_access: boolean;
  samu_access: boolean;
  legal_representatives: StoredRepresentative[];
  opening_channel: string;
  opened_at: Date;
  opened_by_role: string;
  opened_by_id: string;
  opening_finess: string | null;
  opening_cpam_code: string | null;
  consent_given_by: string;
  consent_at: Date;
  consent_place: string;
  consent_channel: string;
  closed_at: Date | null;
  closure_reason: string | null;
  closure_date: string | null;
  closed_by: string | null;
  reactivated_at: Date | null;
  updated_at: Date;
}

function toEntity(raw: RawRecordRow): RecordEntity {
  const e = new RecordEntity();
  e.id = raw.id;
  e.ins = raw.ins;
  e.status = raw.status;
  e.familyName = raw.family_name;
  e.givenNames = raw.given_names;
  e.birthDate = raw.birth_date;
  e.cpamCode = raw.cpam_code;
  e.email = raw.email;
  e.mobile = raw.mobile;
  e.emergencyAccess = raw.emergency_access;
  e.samuAccess = raw.samu_access;
  e.legalRepresentatives = raw.legal_representatives;
  e.openingChannel = raw.opening_channel;
  e.openedAt = raw.opened_at;
  e.openedByRole = raw.opened_by_role;
  e.openedById = raw.opened_by_id;
  e.openingFiness = raw.opening_finess;
  e.openingCpamCode = raw.opening_cpam_code;
  e.consentGivenBy = raw.consent_given_by;
  e.consentAt = raw.consent_at;
  e.consentPlace = raw.consent_place;
  e.consentChannel = raw.consent_channel;
  e.closedAt = raw.closed_at;
  e.closureReason = raw.closure_reason;
  e.closureDate = raw.closure_date;
  e.closedBy = raw.closed_by;
  e.reactivatedAt = raw.reactivated_at;
  e.updatedAt = raw.updated_at;
  return e;
}

/** The record as inserted: every value is known before the insert (the id is ours, not the database's). */
/** The row an opening inserts: the patient's data, the opener, and consent recorded through the opener's channel. */
export function newRecordRow(o: OpeningData, opener: Opener, openedAt: Date): NewRecordRow {
  return {
    id: newRecordId(openedAt.getTime()),
    ins: o.ins,
    familyName: o.familyName,
    givenNames: o.givenNames,
    birthDate: o.birthDate,
    cpamCode: o.cpamCode,
    email: o.email,
    mobile: o.mobile,
    emergencyAccess: o.emergencyAccess,
    samuAccess: o.samuAccess,
    legalRepresentatives: o.legalRepresentatives,
    openingChannel: opener.channel,
    openedAt,
    openedByRole: opener.role,
    openedById: opener.id,
    openingFiness: opener.finess,
    openingCpamCode: opener.cpamCode,
    consentGivenBy: o.consent.givenBy,
    consentAt: o.consent.at,
    consentPlace: o.consent.place ?? opener.defaultPlace,
    consentChannel: opener.channel,
  };
}

/**
 * The record as inserted: every value is known before the insert (the id is ours). Assigned
 * field by field in the order toEntity uses (one object shape for V8), not with Object.assign:
 * bulk campaigns build one per row.
 */
export function fromNewRow(row: NewRecordRow): RecordEntity {
  const e = new RecordEntity();
  e.id = row.id;
  e.ins = row.ins;
  e.status = 'open';
  e.familyName = row.familyName;
  e.givenNames = row.givenNames;
  e.birthDate = row.birthDate;
  e.cpamCode = row.cpamCode;
  e.email = row.email;
  e.mobile = row.mobile;
  e.emergencyAccess = row.emergencyAccess;
  e.samuAccess = row.samuAccess;
  e.legalRepresentatives = row.legalRepresentatives;
  e.openingChannel = row.openingChannel;
  e.openedAt = row.openedAt;
  e.openedByRole = row.openedByRole;
  e.openedById = row.openedById;
  e.openingFiness = row.openingFiness;
  e.openingCpamCode = row.openingCpamCode;
  e.consentGivenBy = row.consentGivenBy;
  e.consentAt = row.consentAt;
  e.consentPlace = row.consentPlace;
  e.consentChannel = row.consentChannel;
  e.closedAt = null;
  e.closureReason = null;
  e.closureDate = null;
  e.closedBy = null;
  e.reactivatedAt = null;
  e.updatedAt = row.openedAt;
  return e;
}

/**
 * Inserts the rows that do not collide with an existing INS, and the outbox rows of exactly
 * those, in ONE statement (a data-modifying CTE is atomic on its own): a single opening is one
 * round trip instead of BEGIN / INSERT / INSERT / COMMIT, which is what bounds it on this
 * machine. The events go out as outbox bundles (one text row per topic per statement, the lines
 * appendBundle would write: @dmp/messaging's bundleLine), in input order so per-key order holds:
 * a row of text costs PostgreSQL one tuple, where a row per event cost a tuple, index entries and
 * two jsonb parses each, then a jsonb rendering and a delete for the relay.
 * Returns only the inserted records; RETURNING only ids, since every value is known beforehand.
 */
export async function insertNewRecords(
  manager: EntityManager,
  rows: NewRecordRow[],
  eventsOf: (record: RecordEntity) => EventEnvelope[],
): Promise<RecordEntity[]> {
  if (rows.length === 0) return [];
  const records = rows.map(fromNewRow);
  const events = records.flatMap((record) => eventsOf(record).map((envelope) => ({ recordId: record.id, envelope })));
  if (rows.length === 1 && events.length === 1) {
    const inserted = await insertOneRecord(manager, rows[0], events[0].envelope);
    return inserted ? records : [];
  }
  const col = <K extends keyof NewRecordRow>(key: K): string => arrayLiteral(rows.map((r) => r[key] as ArrayLiteralElement));
  const inserted = await preparedQuery<{ id: string }>(
    manager,
    'enrolment-open-records',
    `WITH inserted AS (
     INSERT INTO records (id, ins, status, family_name, given_names, birth_date, cpam_code, email, mobile,
        emergency_access, samu_access, legal_representatives, opening_channel, opened_at, opened_by_role, opened_by_id,
        opening_finess, opening_cpam_code, consent_given_by, consent_at, consent_place, consent_channel, updated_at)
     SELECT id, ins, 'open', family_name, given_names, birth_date, cpam_code, email, mobile,
        emergency_access, samu_access, legal_representatives, opening_channel, opened_at, opened_by_role, opened_by_id,
        opening_finess, opening_cpam_code, consent_given_by, consent_at, consent_place, consent_channel, opened_at
     FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::date[], $6::char(3)[], $7::varchar[],
        $8::varchar[], $9::boolean[], $10::boolean[], $11::jsonb[], $12::varchar[], $13::timestamptz[], $14::varchar[],
        $15::varchar[], $16::varchar[], $17::char(3)[], $18::varchar[], $19::timestamptz[], $20::varchar[], $21::varchar[])
       AS t(id, ins, family_name, given_names, birth_date, cpam_code, email, mobile, emergency_access, samu_access,
        legal_representatives, opening_channel, opened_at, opened_by_role, opened_by_id, opening_finess,
        opening_cpam_code, consent_given_by, consent_at, consent_place, consent_channel)
     -- INS order: two campaigns overlapping in opposite orders take row locks in the same order (no deadlock).
     ORDER BY ins
     ON CONFLICT (ins) DO NOTHING
     RETURNING id
     ), outbox AS (
       -- One bundle row per topic (see appendBundle in @dmp/messaging), lines in input order. The
       -- lines come as one text, newline-separated (a bundle line never holds a raw newline): no
       -- array literal to escape here and to parse there.
       INSERT INTO outbox_events (topic, key, headers, payload, messages, message_count)
       SELECT e.topic, NULL, '{}', NULL, string_agg(l.line, E'\n' ORDER BY e.ord), count(*)
       FROM unnest($22::uuid[], $23::text[]) WITH ORDINALITY AS e(record_id, topic, ord)
       JOIN string_to_table($24::text, E'\n') WITH ORDINALITY AS l(line, ord) ON l.ord = e.ord
       WHERE e.record_id IN (SELECT id FROM inserted)
       GROUP BY e.topic
       ORDER BY min(e.ord)
     )
     SELECT id FROM inserted`,
    [
      col('id'),
      col('ins'),
      col('familyName'),
      col('givenNames'),
      col('birthDate'),
      col('cpamCode'),
      col('email'),
      col('mobile'),
      col('emergencyAccess'),
      col('samuAccess'),
      arrayLiteral(rows.map((r) => JSON.stringify(r.legalRepresentatives))),
      col('openingChannel'),
      col('openedAt'),
      col('openedByRole'),
      col('openedById'),
      col('openingFiness'),
      col('openingCpamCode'),
      col('consentGivenBy'),
      col('consentAt'),
      col('consentPlace'),
      col('consentChannel'),
      arrayLiteral(events.map((e) => e.recordId)),
      arrayLiteral(events.map((e) => topicOf(e.envelope))),
      events.map((e) => bundleLine(e.envelope)).join('\n'),
    ],
  );
  const insertedIds = new Set(inserted.map((r) => r.id));
  return records.filter((r) => insertedIds.has(r.id));
}

/**
 * The common single opening (an adult: one record, one record-opened event) as a statement of
 * scalar parameters: the multi-row form costs PostgreSQL more to plan and node-pg more to encode
 * (24 array literals) than the insert itself. Same semantics: the outbox row exists only if the
 * record row was inserted. True when inserted, false when the INS was already there.
 */
async function insertOneRecord(manager: EntityManager, row: NewRecordRow, envelope: EventEnvelope): Promise<boolean> {
  const inserted = await preparedQuery<{ id: string }>(
    manager,
    'enrolment-open-record',
    `WITH inserted AS (
       INSERT INTO records (id, ins, status, family_name, given_names, birth_date, cpam_code, email, mobile,
          emergency_access, samu_access, legal_representatives, opening_channel, opened_at, opened_by_role, opened_by_id,
          opening_finess, opening_cpam_code, consent_given_by, consent_at, consent_place, consent_channel, updated_at)
       VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $13)
       ON CONFLICT (ins) DO NOTHING
       RETURNING id
     ), outbox AS (
       INSERT INTO outbox_events (topic, key, headers, payload, messages, message_count) SELECT $22, NULL, '{}', NULL, $23, 1 FROM inserted
     )
     SELECT id FROM inserted`,
    [
      row.id,
      row.ins,
      row.familyName,
      row.givenNames,
      row.birthDate,
      row.cpamCode,
      row.email,
      row.mobile,
      row.emergencyAccess,
      row.samuAccess,
      JSON.stringify(row.legalRepresentatives),
      row.openingChannel,
      row.openedAt,
      row.openedByRole,
      row.openedById,
      row.openingFiness,
      row.openingCpamCode,
      row.consentGivenBy,
      row.consentAt,
      row.consentPlace,
      row.consentChannel,
      topicOf(envelope),
      bundleLine(envelope),
    ],
  );
  return inserted.length === 1;
}

/**
 * A named statement, parsed and planned once per connection instead of at every call (TypeORM's
 * query() sends an unnamed one: for the opening CTE, PostgreSQL spent more time planning it than
 * running it). On the manager's transaction connection when it has one, else on the pool.
 */
export async function preparedQuery<T extends QueryResultRow>(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  const runner = manager.queryRunner;
  if (runner && !runner.isReleased) {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query<T>({ name, text, values })).rows;
  }
  const pool = (manager.connection.driver as PostgresDriver).master as Pool;
  return (await pool.query<T>({ name, text, values })).rows;
}

export async function findRecordsByIns(manager: EntityManager, ins: string[]): Promise<RecordEntity[]> {
  if (ins.length === 0) return [];
  const rows: RawRecordRow[] = await manager.query(`SELECT ${SELECT_COLUMNS} FROM records WHERE ins = ANY($1::varchar[])`, [ins]);
  return rows.map(toEntity);
}
