import { EventEnvelope } from '@dmp/contracts';
import { eventHeaders, topicOf } from '@dmp/messaging';
import { EntityManager } from 'typeorm';
import { RecordEntity, StoredRepresentative } from './record.entity';

/**
 * Raw SQL for the opening path, shared by single and bulk openings: one multi-row
 * INSERT ... SELECT FROM unnest(...) ON CONFLICT ("ins") DO NOTHING RETURNING, whatever the
 * number of rows (a fixed set of array parameters, so PostgreSQL's 65,535-parameter limit never
 * bites and the statement plans the same for 1 or 5,000 rows).
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
function fromNewRow(row: NewRecordRow): RecordEntity {
  return Object.assign(new RecordEntity(), row, {
    status: 'open' as const,
    closedAt: null,
    closureReason: null,
    closureDate: null,
    closedBy: null,
    reactivatedAt: null,
    updatedAt: row.openedAt,
  });
}

/**
 * Inserts the rows that do not collide with an existing INS, and the outbox rows of exactly
 * those, in ONE statement (a data-modifying CTE is atomic on its own): a single opening is one
 * round trip instead of BEGIN / INSERT / INSERT / COMMIT, which is what bounds it on this
 * machine. The outbox rows are those OutboxService.append would write (same topic, key, headers
 * and JSON envelope, from @dmp/messaging's own helpers), in input order so per-key order holds.
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
  const col = <K extends keyof NewRecordRow>(key: K): NewRecordRow[K][] => rows.map((r) => r[key]);
  const inserted: { id: string }[] = await manager.query(
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
       INSERT INTO outbox_events (topic, key, headers, payload)
       SELECT e.topic, e.key, e.headers, e.payload
       FROM unnest($22::uuid[], $23::text[], $24::text[], $25::jsonb[], $26::jsonb[]) WITH ORDINALITY AS e(record_id, topic, key, headers, payload, ord)
       WHERE e.record_id IN (SELECT id FROM inserted)
       ORDER BY e.ord
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
      rows.map((r) => JSON.stringify(r.legalRepresentatives)),
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
      events.map((e) => e.recordId),
      events.map((e) => topicOf(e.envelope)),
      events.map((e) => e.envelope.key),
      events.map((e) => JSON.stringify(eventHeaders(e.envelope))),
      events.map((e) => JSON.stringify(e.envelope)),
    ],
  );
  const insertedIds = new Set(inserted.map((r) => r.id));
  return records.filter((r) => insertedIds.has(r.id));
}

export async function findRecordsByIns(manager: EntityManager, ins: string[]): Promise<RecordEntity[]> {
  if (ins.length === 0) return [];
  const rows: RawRecordRow[] = await manager.query(`SELECT ${SELECT_COLUMNS} FROM records WHERE ins = ANY($1::varchar[])`, [ins]);
  return rows.map(toEntity);
}
