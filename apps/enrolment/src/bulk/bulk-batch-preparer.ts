import { Actor } from '@dmp/auth';
import { bundleLine } from '@dmp/messaging';
import { fastOpeningCheck } from '../records/dto/fast-opening-check';
import { OpenRecordDto } from '../records/dto/open-record.dto';
import { validateBody } from '../records/dto/validate-body';
import { Opener } from '../records/opener';
import { OpeningData, checkOpening } from '../records/opening-rules';
import { mayOpen } from '../records/record-access.policy';
import { openingEvents } from '../records/record-events';
import { NewRecordRow, fromNewRow, newRecordRow } from '../records/record-rows';
import { FieldError } from '../records/record.exception';
import { BulkFormat } from './bulk-job.entity';
import { BulkRow, BulkRowParser } from './bulk-row-reader';

/** What every row of a job is checked and opened with. */
export interface BulkJobContext {
  format: BulkFormat;
  actor: Actor;
  opener: Opener;
  /** When the job started (ms): the "today" of the opening rules. */
  now: number;
  correlationId: string;
  batchSize: number;
}

/** One line of the result file. */
export interface BulkRowResult {
  line: number;
  ins: string | null;
  outcome: 'opened' | 'already-opened' | 'conflict' | 'rejected';
  recordId?: string;
  errors?: FieldError[];
}

/**
 * A batch of a campaign file, ready for one transaction (BulkOpeningWriter): everything per row
 * that does not depend on the database is done here, so it can run in a worker thread.
 */
export interface PreparedBatch {
  /** The result line (JSON of a BulkRowResult) of each row of the batch, in file order, written as if every valid row opens its record. */
  results: string[];
  /** Rows checked valid (in `copy`) and rows rejected. */
  valid: number;
  rejected: number;
  /**
   * The valid rows as COPY text for the staging table (STAGING_COLUMNS): the record, `ord` (the
   * row's index in `results`) and the outbox bundle lines of its events (record-opened, and the
   * dependant-attached of a minor's representatives), for the records that will be inserted.
   */
  copy: Uint8Array;
}

/** Staging columns, in COPY order: the record's columns, then the row's place and its event lines. */
export const STAGING_COLUMNS = `id, ins, family_name, given_names, birth_date, cpam_code, email, mobile, emergency_access, samu_access,
  legal_representatives, opening_channel, opened_at, opened_by_role, opened_by_id, opening_finess, opening_cpam_code,
  consent_given_by, consent_at, consent_place, consent_channel, ord, opened_line, attached_lines, attached_count`;

// COPY's text format: backslash escapes for the four characters that would break a line or a
// field; \N is NULL.
const COPY_SPECIAL = /[\\\n\r\t]/;
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

/**
 * Turns a campaign file into PreparedBatches as its bytes arrive: the rows are parsed
 * (BulkRowParser), held to the validation of POST /records (the fast check, else class-validator
 * on OpenRecordDto for the error messages, then checkOpening and mayOpen), and each valid one
 * gets its record row, its events as bundle lines and its COPY line. Pure computation, no I/O:
 * BulkPreparation runs it in a worker thread, off the thread that serves requests.
 */
export class BulkBatchPreparer {
  private readonly parser: BulkRowParser;
  private readonly now: Date;
  private results: string[] = [];
  private copy = '';
  private valid = 0;
  private rejected = 0;
  private openedAt: Date | null = null;

  constructor(private readonly context: BulkJobContext) {
    this.parser = new BulkRowParser(context.format);
    this.now = new Date(context.now);
  }

  /** The batches completed by this chunk of the file (often none). */
  push(chunk: Uint8Array | string): PreparedBatch[] {
    return this.add(this.parser.push(chunk), false);
  }

  /** The last batches, once the whole file arrived. */
  end(): PreparedBatch[] {
    return this.add(this.parser.end(), true);
  }

  private add(rows: BulkRow[], last: boolean): PreparedBatch[] {
    const batches: PreparedBatch[] = [];
    for (const row of rows) {
      this.prepare(row);
      if (this.results.length >= this.context.batchSize) batches.push(this.cut());
    }
    if (last && this.results.length > 0) batches.push(this.cut());
    return batches;
  }

  private cut(): PreparedBatch {
    const batch: PreparedBatch = { results: this.results, valid: this.valid, rejected: this.rejected, copy: new TextEncoder().encode(this.copy) };
    this.results = [];
    this.copy = '';
    this.valid = 0;
    this.rejected = 0;
    this.openedAt = null;
    return batch;
  }

  private prepare(row: BulkRow): void {
    const checked = this.check(row);
    if ('errors' in checked) {
      this.rejected++;
      this.results.push(JSON.stringify({ line: row.line, ins: checked.ins, outcome: 'rejected', errors: checked.errors } satisfies BulkRowResult));
      return;
    }
    // The batch's rows share one opening instant, as when they were inserted in one statement.
    this.openedAt ??= new Date();
    const record = newRecordRow(checked.opening, this.context.opener, this.openedAt);
    const ord = this.results.length;
    this.valid++;
    this.results.push(JSON.stringify({ line: row.line, ins: record.ins, outcome: 'opened', recordId: record.id } satisfies BulkRowResult));
    this.copy += copyLine(record, ord, this.context.correlationId);
  }

  private check(row: BulkRow): { opening: OpeningData } | { errors: FieldError[]; ins: string | null } {
    if ('errors' in row) return { ins: row.ins, errors: row.errors };
    const rawIns = typeof row.body.ins === 'string' ? row.body.ins : null;
    const fast = fastOpeningCheck(row.body);
    const shaped = fast ? { ok: true as const, value: fast } : validateBody(OpenRecordDto, row.body);
    if (!shaped.ok) return { ins: rawIns, errors: shaped.errors };
    const checked = checkOpening(shaped.value, this.now);
    if (!checked.ok) return { ins: rawIns, errors: checked.errors };
    if (!mayOpen(this.context.actor, checked.value)) return { ins: checked.value.ins, errors: [{ field: 'ins', reason: 'you may not open this record' }] };
    return { opening: checked.value };
  }
}

/** One staging row: the record, its place in the batch, and its events as bundle lines (dependant-attached joined by newlines). */
function copyLine(r: NewRecordRow, ord: number, correlationId: string): string {
  const [opened, ...attached] = openingEvents(fromNewRow(r), correlationId);
  const attachedLines = attached.length === 0 ? null : attached.map(bundleLine).join('\n');
  return (
    `${r.id}\t${r.ins}\t${copyField(r.familyName)}\t${copyField(r.givenNames)}\t${r.birthDate}\t${r.cpamCode}\t` +
    `${copyField(r.email)}\t${copyField(r.mobile)}\t${r.emergencyAccess ? 't' : 'f'}\t${r.samuAccess ? 't' : 'f'}\t` +
    `${copyField(JSON.stringify(r.legalRepresentatives))}\t${r.openingChannel}\t${r.openedAt.toISOString()}\t${r.openedByRole}\t` +
    `${copyField(r.openedById)}\t${copyField(r.openingFiness)}\t${copyField(r.openingCpamCode)}\t${r.consentGivenBy}\t` +
    `${r.consentAt.toISOString()}\t${copyField(r.consentPlace)}\t${r.consentChannel}\t${ord}\t` +
    `${copyField(bundleLine(opened))}\t${copyField(attachedLines)}\t${attached.length}\n`
  );
}
