import { EntityManager } from 'typeorm';
import { DistinctFigure, UNRESOLVED_CPAM } from './figure-names';
import { arrayLiteral, arrayLiteralOf } from '@dmp/persistence';
import { firstByKey, sortedDistinct, Tally } from './tally';

/**
 * The SQL of the activity figures: every write is one multi-row statement per batch of events,
 * and every counter moves only by the rows a statement actually inserted or changed, so the
 * counters stay equal to what the facts say under replays, redeliveries and any arrival order.
 */

export interface DocumentFactRow {
  documentId: string;
  version: number;
  ins: string;
  cpamCode: string;
  day: string;
  sourceCategory: string;
  type: string;
  kind: 'added' | 'replaced';
}

export interface MemberRow {
  figure: DistinctFigure;
  day: string;
  memberId: string;
  grp: string;
  cpamCode: string;
}

export interface NotificationFactRow {
  notificationId: string;
  ins: string;
  cpamCode: string;
  day: string;
  trigger: string;
  channel: string;
}

export interface ReimbursementFileRow {
  fileId: string;
  completedAt: string;
  day: string;
  kind: string;
  status: string;
  read: number;
  imported: number;
  duplicates: number;
  rejected: number;
  unknownPatient: number;
  outOfWindow: number;
}

/**
 * The CPAM of each patient's record, '' when its opening has not been seen yet.
 *
 * A record's CPAM never changes once its opening committed (one DMP per person, the CPAM of its
 * opening), so a plain read answers for those patients: no settlement can be missed for them.
 * Only the others (most patients have been seen opening by then) go through the upsert, which
 * takes the row lock of each one's record_facts row (creating an empty one if needed), the same
 * lock the record-opened handler takes: a fact inserted here is either seen by the opening's
 * resolution (which runs after this transaction commits) or inserted with the CPAM the opening
 * committed. Sorted, so that concurrent batches lock in one order. The read replaced an upsert
 * (a new row version) per patient and batch, the costliest statement per row after the inbox.
 */
export async function lockRecordsAndResolveCpam(manager: EntityManager, insList: Iterable<string>): Promise<Map<string, string>> {
  const ins = sortedDistinct(insList);
  if (ins.length === 0) return new Map();
  // char(15)[], the column's type: against text[] PostgreSQL compares ins::text and scans the
  // whole table instead of probing the primary key (a cost that grew with every record).
  const resolved: Array<{ ins: string; cpam_code: string }> = await manager.query(
    `SELECT ins, cpam_code FROM record_facts WHERE ins = ANY($1::char(15)[]) AND cpam_code IS NOT NULL`,
    [arrayLiteral(ins)],
  );
  const cpam = new Map(resolved.map((r) => [r.ins, r.cpam_code]));
  const pending = ins.filter((i) => !cpam.has(i));
  if (pending.length === 0) return cpam;
  const rows: Array<{ ins: string; cpam_code: string | null }> = await manager.query(
    `INSERT INTO record_facts (ins) SELECT * FROM unnest($1::text[])
     ON CONFLICT (ins) DO UPDATE SET ins = EXCLUDED.ins
     RETURNING ins, cpam_code`,
    [arrayLiteral(pending)],
  );
  for (const r of rows) cpam.set(r.ins, r.cpam_code ?? UNRESOLVED_CPAM);
  return cpam;
}

/**
 * Counter rows per key: a transaction increments the slot picked from its transaction id, so
 * concurrent batches (other partitions, other instances) rarely wait on each other's counter row
 * locks, which they held until commit when every batch hit the same all-time and monthly rows.
 * The figures sum over slots. Persisted in the rows: changing it only changes the spread.
 */
export const COUNTER_SLOTS = 16;
const SLOT = `(txid_current() % ${COUNTER_SLOTS})::smallint`;

/** Inserts the new document versions and counts them, in one statement. */
export async function insertDocumentFacts(manager: EntityManager, facts: DocumentFactRow[]): Promise<void> {
  const rows = firstByKey(facts, (f) => `${f.documentId}\u0000${f.version}`).sort((a, b) => (a.documentId < b.documentId ? -1 : a.documentId > b.documentId ? 1 : a.version - b.version));
  if (rows.length === 0) return;
  await manager.query(
    `WITH fresh AS (
       INSERT INTO document_facts (document_id, version, ins, cpam_code, day, source_category, type, kind)
       SELECT * FROM unnest($1::varchar[], $2::int[], $3::char(15)[], $4::varchar[], $5::date[], $6::text[], $7::text[], $8::text[])
       ON CONFLICT DO NOTHING
       RETURNING day, cpam_code, source_category, type, kind)
     INSERT INTO document_counts (day, cpam_code, source_category, type, slot, added, replaced)
     SELECT day, cpam_code, source_category, type, ${SLOT}, count(*) FILTER (WHERE kind = 'added'), count(*) FILTER (WHERE kind = 'replaced')
       FROM fresh GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
     ON CONFLICT (day, cpam_code, source_category, type, slot)
     DO UPDATE SET added = document_counts.added + EXCLUDED.added, replaced = document_counts.replaced + EXCLUDED.replaced`,
    [arrayLiteralOf(rows, (r) => r.documentId), arrayLiteralOf(rows, (r) => r.version), arrayLiteralOf(rows, (r) => r.ins), arrayLiteralOf(rows, (r) => r.cpamCode), arrayLiteralOf(rows, (r) => r.day), arrayLiteralOf(rows, (r) => r.sourceCategory), arrayLiteralOf(rows, (r) => r.type), arrayLiteralOf(rows, (r) => r.kind)],
  );
}

async function addDocumentCounts(manager: EntityManager, tally: Tally): Promise<void> {
  const { keys, deltas } = tally.columns();
  if (keys.length === 0 || keys[0].length === 0) return;
  await manager.query(
    `INSERT INTO document_counts (day, cpam_code, source_category, type, slot, added, replaced)
     SELECT u.day, u.cpam_code, u.source_category, u.type, ${SLOT}, u.added, u.replaced
       FROM unnest($1::date[], $2::varchar[], $3::text[], $4::text[], $5::bigint[], $6::bigint[]) AS u(day, cpam_code, source_category, type, added, replaced)
     ON CONFLICT (day, cpam_code, source_category, type, slot)
     DO UPDATE SET added = document_counts.added + EXCLUDED.added, replaced = document_counts.replaced + EXCLUDED.replaced`,
    [...keys, ...deltas],
  );
}

/**
 * Records the days each member was seen, one row per figure, month and member: the batch's days
 * of a member-month are ORed in memory, then into the row in one statement; a row whose days the
 * batch does not extend is left alone (no new row version), so a member seen again on a day
 * already recorded costs one index probe. Weeks, months and "ever" are counted when read, so
 * there is no counter to keep here. In key order, so that concurrent batches lock rows in one order.
 */
export async function insertMembers(manager: EntityManager, members: MemberRow[]): Promise<void> {
  const keyed = new Map<string, { row: MemberRow; month: string; days: number }>();
  for (const m of members) {
    const month = `${m.day.slice(0, 8)}01`;
    const bit = 1 << (Number(m.day.slice(8, 10)) - 1);
    // The key built once per member, not twice per comparison (a profile showed the sort's string building).
    const key = `${m.figure}\u0000${month}\u0000${m.memberId}`;
    const entry = keyed.get(key);
    if (entry) entry.days |= bit;
    else keyed.set(key, { row: m, month, days: bit });
  }
  if (keyed.size === 0) return;
  const rows = [...keyed.keys()].sort().map((key) => keyed.get(key) as { row: MemberRow; month: string; days: number });
  await manager.query(
    `INSERT INTO member_months AS m (figure, month, member_id, grp, cpam_code, days)
     SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::varchar[], $6::int[])
     ON CONFLICT (figure, month, member_id) DO UPDATE SET days = m.days | EXCLUDED.days
     WHERE m.days | EXCLUDED.days <> m.days`,
    [arrayLiteralOf(rows, (r) => r.row.figure), arrayLiteralOf(rows, (r) => r.month), arrayLiteralOf(rows, (r) => r.row.memberId), arrayLiteralOf(rows, (r) => r.row.grp), arrayLiteralOf(rows, (r) => r.row.cpamCode), arrayLiteralOf(rows, (r) => r.days)],
  );
}

/** Inserts the new notifications and counts them, in one statement. */
export async function insertNotificationFacts(manager: EntityManager, facts: NotificationFactRow[]): Promise<void> {
  const rows = firstByKey(facts, (f) => f.notificationId).sort((a, b) => (a.notificationId < b.notificationId ? -1 : 1));
  if (rows.length === 0) return;
  await manager.query(
    `WITH fresh AS (
       INSERT INTO notification_facts (notification_id, ins, cpam_code, day, trigger, channel)
       SELECT * FROM unnest($1::uuid[], $2::char(15)[], $3::varchar[], $4::date[], $5::text[], $6::text[])
       ON CONFLICT DO NOTHING
       RETURNING day, cpam_code, trigger, channel)
     INSERT INTO notification_counts (day, cpam_code, trigger, channel, slot, notifications)
     SELECT day, cpam_code, trigger, channel, ${SLOT}, count(*) FROM fresh GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
     ON CONFLICT (day, cpam_code, trigger, channel, slot) DO UPDATE SET notifications = notification_counts.notifications + EXCLUDED.notifications`,
    [arrayLiteralOf(rows, (r) => r.notificationId), arrayLiteralOf(rows, (r) => r.ins), arrayLiteralOf(rows, (r) => r.cpamCode), arrayLiteralOf(rows, (r) => r.day), arrayLiteralOf(rows, (r) => r.trigger), arrayLiteralOf(rows, (r) => r.channel)],
  );
}

async function addNotificationCounts(manager: EntityManager, tally: Tally): Promise<void> {
  const { keys, deltas } = tally.columns();
  if (keys.length === 0 || keys[0].length === 0) return;
  await manager.query(
    `INSERT INTO notification_counts (day, cpam_code, trigger, channel, slot, notifications)
     SELECT u.day, u.cpam_code, u.trigger, u.channel, ${SLOT}, u.notifications
       FROM unnest($1::date[], $2::varchar[], $3::text[], $4::text[], $5::bigint[]) AS u(day, cpam_code, trigger, channel, notifications)
     ON CONFLICT (day, cpam_code, trigger, channel, slot)
     DO UPDATE SET notifications = notification_counts.notifications + EXCLUDED.notifications`,
    [...keys, ...deltas],
  );
}

export async function insertReimbursementFiles(manager: EntityManager, files: ReimbursementFileRow[]): Promise<void> {
  const rows = firstByKey(files, (f) => `${f.fileId}\u0000${Date.parse(f.completedAt)}`);
  if (rows.length === 0) return;
  await manager.query(
    `INSERT INTO reimbursement_file_facts (file_id, completed_at, day, kind, status, lines_read, lines_imported, lines_duplicate, lines_rejected, lines_unknown_patient, lines_out_of_window)
     SELECT * FROM unnest($1::varchar[], $2::timestamptz[], $3::date[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::int[])
     ON CONFLICT DO NOTHING`,
    [
      arrayLiteralOf(rows, (r) => r.fileId), arrayLiteralOf(rows, (r) => r.completedAt), arrayLiteralOf(rows, (r) => r.day), arrayLiteralOf(rows, (r) => r.kind), arrayLiteralOf(rows, (r) => r.status),
      arrayLiteralOf(rows, (r) => r.read), arrayLiteralOf(rows, (r) => r.imported), arrayLiteralOf(rows, (r) => r.duplicates), arrayLiteralOf(rows, (r) => r.rejected), arrayLiteralOf(rows, (r) => r.unknownPatient), arrayLiteralOf(rows, (r) => r.outOfWindow),
    ],
  );
}

/**
 * Gives the facts of patients whose record opening has just been seen their record's CPAM, and
 * moves their counts from the unresolved CPAM to it. (The UPDATEs sit in a CTE because TypeORM
 * returns [rows, count] for a bare UPDATE.) Runs in the record-opened transaction,
 * after the record_facts rows were locked by the upsert (see lockRecordsAndResolveCpam).
 */
export async function settleCpam(manager: EntityManager, cpamByIns: Map<string, string>): Promise<void> {
  if (cpamByIns.size === 0) return;
  const ins = [...cpamByIns.keys()].sort();
  const insList = arrayLiteral(ins);
  const cpamList = arrayLiteralOf(ins, (i) => cpamByIns.get(i));

  const documents: Array<{ day: string; cpam_code: string; source_category: string; type: string; kind: string }> = await manager.query(
    `WITH moved AS (
       UPDATE document_facts d SET cpam_code = u.cpam FROM unnest($1::char(15)[], $2::text[]) AS u(ins, cpam)
        WHERE d.cpam_code = '' AND d.ins = u.ins
        RETURNING d.day::text AS day, d.cpam_code, d.source_category, d.type, d.kind)
     SELECT * FROM moved`,
    [insList, cpamList],
  );
  if (documents.length > 0) {
    const tally = new Tally(2);
    for (const d of documents) {
      const added = d.kind === 'added' ? 1 : 0;
      const replaced = d.kind === 'replaced' ? 1 : 0;
      tally.add([d.day, UNRESOLVED_CPAM, d.source_category, d.type], -added, -replaced);
      tally.add([d.day, d.cpam_code, d.source_category, d.type], added, replaced);
    }
    await addDocumentCounts(manager, tally);
  }

  const notifications: Array<{ day: string; cpam_code: string; trigger: string; channel: string }> = await manager.query(
    `WITH moved AS (
       UPDATE notification_facts n SET cpam_code = u.cpam FROM unnest($1::char(15)[], $2::text[]) AS u(ins, cpam)
        WHERE n.cpam_code = '' AND n.ins = u.ins
        RETURNING n.day::text AS day, n.cpam_code, n.trigger, n.channel)
     SELECT * FROM moved`,
    [insList, cpamList],
  );
  if (notifications.length > 0) {
    const tally = new Tally(1);
    for (const n of notifications) {
      tally.add([n.day, UNRESOLVED_CPAM, n.trigger, n.channel], -1);
      tally.add([n.day, n.cpam_code, n.trigger, n.channel], 1);
    }
    await addNotificationCounts(manager, tally);
  }

  // Distinct members are counted when read: giving the patients' member rows their CPAM is enough.
  await manager.query(
    `WITH moved AS (
       UPDATE member_months m SET cpam_code = u.cpam FROM unnest($1::text[], $2::text[]) AS u(ins, cpam)
        WHERE m.cpam_code = '' AND m.member_id = u.ins AND m.figure = $3
        RETURNING 1)
     SELECT count(*) FROM moved`,
    [insList, cpamList, DistinctFigure.ADDING_PATIENTS],
  );
}

