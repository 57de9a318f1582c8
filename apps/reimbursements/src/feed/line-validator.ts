import { validateFiness, validateIns, validateRpps } from '@dmp/domain';
import { CareWindow } from './care-window';
import { FEED_COLUMNS, LINE_ID_DIGITS, LINE_ID_MONTH_FACTOR } from './feed-format';

/** What the importer does with a line. Numbers, not an enum: this runs for every line. */
export const LINE_ACCEPTED = 0;
export const LINE_REJECTED = 1;
export const LINE_OUT_OF_WINDOW = 2;
export type LineOutcome = typeof LINE_ACCEPTED | typeof LINE_REJECTED | typeof LINE_OUT_OF_WINDOW;

const COMMA = 0x2c;
const QUOTE = 0x22;
const FIELD_COUNT = FEED_COLUMNS.length;
const MAX_LABEL_BYTES = 400;
const IDENTIFIER_CACHE_SIZE = 50_000;
const DATE_DIGIT_OFFSETS = [0, 1, 2, 3, 5, 6, 8, 9];
/** line_id (16), ins (15), care_date (10) and their commas. */
const FIXED_PREFIX = 16 + 1 + 15 + 1 + 10 + 1;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const enum Field {
  LineId = 0,
  Ins,
  CareDate,
  CodingSystem,
  Code,
  Label,
  Quantity,
  Prescriber,
  Performer,
  Charged,
  Reimbursed,
}

const SYSTEMS = ['CCAM', 'NGAP', 'CIP13', 'NABM', 'LPP'].map((name) => Buffer.from(name, 'latin1'));

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}
function isUpper(byte: number): boolean {
  return byte >= 0x41 && byte <= 0x5a;
}

/**
 * Validates one data line of the feed, in place on the bytes read from the file (no string per
 * field: at 150,000 lines a second every allocation shows). Identifiers are checked with the
 * domain's validators, cached because files repeat the same patient and professionals on
 * consecutive lines. After `check` returns, `lineId`, `month` and `ins` describe the line and
 * `reason` says why a rejected line was refused.
 */
export class LineValidator {
  lineId = 0;
  /** YYYYMM of the care date (and of the line id). */
  month = 0;
  ins = '';
  reason = '';

  private readonly starts = new Int32Array(FIELD_COUNT);
  private readonly ends = new Int32Array(FIELD_COUNT);
  private readonly previousIns = Buffer.alloc(15);
  private previousInsLength = 0;
  private previousInsReason: string | null = null;
  private readonly identifierCache = new Map<number, string | null>();

  constructor(private readonly window: CareWindow) {}

  check(buf: Buffer, start: number, end: number): LineOutcome {
    if (!this.split(buf, start, end)) return LINE_REJECTED;
    const s = this.starts;
    const e = this.ends;

    // line_id
    if (e[Field.LineId] - s[Field.LineId] !== LINE_ID_DIGITS)
      return this.reject(Field.LineId, `must be ${LINE_ID_DIGITS} digits`);
    let lineId = 0;
    for (let i = s[Field.LineId]; i < e[Field.LineId]; i++) {
      const b = buf[i];
      if (!isDigit(b)) return this.reject(Field.LineId, `must be ${LINE_ID_DIGITS} digits`);
      lineId = lineId * 10 + (b - 0x30);
    }
    const idMonth = Math.floor(lineId / LINE_ID_MONTH_FACTOR);

    // ins
    if (!this.checkIns(buf, s[Field.Ins], e[Field.Ins])) return LINE_REJECTED;

    // care_date
    const d = s[Field.CareDate];
    if (e[Field.CareDate] - d !== 10 || buf[d + 4] !== 0x2d || buf[d + 7] !== 0x2d)
      return this.reject(Field.CareDate, 'must be written YYYY-MM-DD');
    for (let k = 0; k < DATE_DIGIT_OFFSETS.length; k++) {
      if (!isDigit(buf[d + DATE_DIGIT_OFFSETS[k]]))
        return this.reject(Field.CareDate, 'must be written YYYY-MM-DD');
    }
    const year =
      (buf[d] - 48) * 1000 + (buf[d + 1] - 48) * 100 + (buf[d + 2] - 48) * 10 + (buf[d + 3] - 48);
    const month = (buf[d + 5] - 48) * 10 + (buf[d + 6] - 48);
    const day = (buf[d + 8] - 48) * 10 + (buf[d + 9] - 48);
    if (month < 1 || month > 12)
      return this.reject(Field.CareDate, `month ${month} does not exist`);
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const monthDays = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
    if (day < 1 || day > monthDays)
      return this.reject(
        Field.CareDate,
        `day ${day} does not exist in ${year}-${String(month).padStart(2, '0')}`,
      );
    const yyyymm = year * 100 + month;
    if (yyyymm * 100 + day > this.window.today)
      return this.reject(Field.CareDate, 'is in the future');
    if (idMonth !== yyyymm)
      return this.reject(Field.LineId, `must start with the care month ${yyyymm}, got ${idMonth}`);

    // coding_system and code
    const system = this.codingSystem(buf, s[Field.CodingSystem], e[Field.CodingSystem]);
    if (system < 0)
      return this.reject(Field.CodingSystem, 'must be one of CCAM, NGAP, CIP13, NABM, LPP');
    const codeReason = checkCode(system, buf, s[Field.Code], e[Field.Code]);
    if (codeReason !== null) return this.reject(Field.Code, codeReason);

    // label: free text, the one field that may be quoted and hold any character but line breaks
    const labelLength = e[Field.Label] - s[Field.Label];
    if (labelLength === 0) return this.reject(Field.Label, 'is empty');
    if (labelLength > MAX_LABEL_BYTES)
      return this.reject(Field.Label, `is longer than ${MAX_LABEL_BYTES} bytes`);
    let highBytes = false;
    for (let i = s[Field.Label]; i < e[Field.Label]; i++) {
      const b = buf[i];
      if (b < 0x20 || b === 0x7f) return this.reject(Field.Label, 'contains a control character');
      if (b >= 0x80) highBytes = true;
    }
    if (highBytes && !isUtf8Range(buf, s[Field.Label], e[Field.Label]))
      return this.reject(Field.Label, 'is not valid UTF-8');

    // quantity
    const quantity = this.integer(buf, Field.Quantity, 4);
    if (quantity < 1) return this.reject(Field.Quantity, 'must be an integer from 1 to 9999');

    // prescriber (optional) and performer: RPPS (11 digits) or FINESS (9 characters)
    if (e[Field.Prescriber] > s[Field.Prescriber] && !this.checkProfessional(buf, Field.Prescriber))
      return LINE_REJECTED;
    if (e[Field.Performer] === s[Field.Performer])
      return this.reject(Field.Performer, 'is required');
    if (!this.checkProfessional(buf, Field.Performer)) return LINE_REJECTED;

    // amounts in cents
    const charged = this.integer(buf, Field.Charged, 9);
    if (charged < 0)
      return this.reject(
        Field.Charged,
        'must be a non-negative integer of at most 9 digits (cents)',
      );
    const reimbursed = this.integer(buf, Field.Reimbursed, 9);
    if (reimbursed < 0)
      return this.reject(
        Field.Reimbursed,
        'must be a non-negative integer of at most 9 digits (cents)',
      );
    if (reimbursed > charged) return this.reject(Field.Reimbursed, 'is more than charged_cents');

    this.lineId = lineId;
    this.month = yyyymm;
    return yyyymm < this.window.startMonth ? LINE_OUT_OF_WINDOW : LINE_ACCEPTED;
  }

  /**
   * Finds the 11 fields in one pass over the line's bytes (a JS loop: native indexOf calls would
   * cost more per call than these ~110 bytes). Quoted fields are unquoted by moving start/end
   * inside the quotes.
   */
  private split(buf: Buffer, start: number, end: number): boolean {
    let field = 0;
    let pos = start;
    // Fast path: line_id, ins and care_date have fixed widths (16, 15, 10), so their commas are
    // at known offsets; `check` then validates every byte of the three (digits, INS, date), so
    // a stray comma or quote inside still rejects the line. Skips 44 of a line's ~110 bytes.
    if (
      end - start > FIXED_PREFIX &&
      buf[start + 16] === COMMA &&
      buf[start + 32] === COMMA &&
      buf[start + 43] === COMMA &&
      buf[start] !== QUOTE &&
      buf[start + 17] !== QUOTE &&
      buf[start + 33] !== QUOTE
    ) {
      this.starts[0] = start;
      this.ends[0] = start + 16;
      this.starts[1] = start + 17;
      this.ends[1] = start + 32;
      this.starts[2] = start + 33;
      this.ends[2] = start + 43;
      field = 3;
      pos = start + FIXED_PREFIX;
    }
    while (field < FIELD_COUNT) {
      if (pos < end && buf[pos] === QUOTE) {
        let j = pos + 1;
        for (;;) {
          while (j < end && buf[j] !== QUOTE) j++;
          if (j >= end) {
            this.reason = `${FEED_COLUMNS[field]}: the quoted value is not closed`;
            return false;
          }
          if (j + 1 < end && buf[j + 1] === QUOTE) {
            j += 2;
            continue;
          }
          break;
        }
        this.starts[field] = pos + 1;
        this.ends[field] = j;
        pos = j + 1;
        if (pos < end && buf[pos] !== COMMA) {
          this.reason = `${FEED_COLUMNS[field]}: text after the closing quote`;
          return false;
        }
      } else {
        let j = pos;
        while (j < end) {
          const b = buf[j];
          if (b === COMMA) break;
          // PostgreSQL's CSV reader opens a quoted section at any quote, so a bare quote inside
          // an unquoted value would be read differently there than here: refuse it.
          if (b === QUOTE) {
            this.reason = `${FEED_COLUMNS[field]}: a quote inside an unquoted value`;
            return false;
          }
          j++;
        }
        this.starts[field] = pos;
        this.ends[field] = j;
        pos = j;
      }
      field++;
      if (pos >= end) break;
      if (field === FIELD_COUNT) {
        this.reason = `the line has more than ${FIELD_COUNT} fields`;
        return false;
      }
      pos++; // the comma; a comma at the very end opens one more, empty, field
    }
    if (field !== FIELD_COUNT) {
      this.reason = `the line has ${field} fields, expected ${FIELD_COUNT}`;
      return false;
    }
    return true;
  }

  private reject(field: Field, reason: string): LineOutcome {
    this.reason = `${FEED_COLUMNS[field]}: ${reason}`;
    return LINE_REJECTED;
  }

  private checkIns(buf: Buffer, start: number, end: number): boolean {
    const length = end - start;
    if (length === 15 && this.previousInsLength === 15 && this.sameAsPreviousIns(buf, start)) {
      if (this.previousInsReason !== null) {
        this.reason = this.previousInsReason;
        return false;
      }
      return true;
    }
    const raw = buf.toString('latin1', start, end);
    const result = validateIns(raw);
    const reason = !result.ok
      ? `ins: ${result.reason}`
      : result.value !== raw
        ? 'ins: must be written in its canonical form (15 characters, no spaces)'
        : null;
    if (length === 15) {
      buf.copy(this.previousIns, 0, start, end);
      this.previousInsLength = 15;
      this.previousInsReason = reason;
    } else {
      this.previousInsLength = 0;
    }
    this.ins = raw;
    if (reason !== null) {
      this.reason = reason;
      return false;
    }
    return true;
  }

  private sameAsPreviousIns(buf: Buffer, start: number): boolean {
    const previous = this.previousIns;
    // Last characters first: consecutive patients differ there more often than in the first ones.
    for (let i = 14; i >= 0; i--) if (buf[start + i] !== previous[i]) return false;
    return true;
  }

  private codingSystem(buf: Buffer, start: number, end: number): number {
    const length = end - start;
    for (let i = 0; i < SYSTEMS.length; i++) {
      const name = SYSTEMS[i];
      if (length !== name.length) continue;
      let same = true;
      for (let k = 0; k < length; k++) {
        if (buf[start + k] !== name[k]) {
          same = false;
          break;
        }
      }
      if (same) return i;
    }
    return -1;
  }

  /** A non-negative integer of at most maxDigits digits, or -1. */
  private integer(buf: Buffer, field: Field, maxDigits: number): number {
    const start = this.starts[field];
    const end = this.ends[field];
    if (end === start || end - start > maxDigits) return -1;
    let value = 0;
    for (let i = start; i < end; i++) {
      const b = buf[i];
      if (!isDigit(b)) return -1;
      value = value * 10 + (b - 0x30);
    }
    return value;
  }

  private checkProfessional(buf: Buffer, field: Field): boolean {
    // Fast path, the common case: an all-digit RPPS (11) or FINESS (9, department not 00) whose
    // Luhn key is right, checked on the bytes (a few ns, no lookup). Anything else takes the
    // path below, which names the reason.
    if (luhnValidProfessional(buf, this.starts[field], this.ends[field])) return true;
    // The cache is keyed by a number computed from the bytes (base 12: digits, A, B), so the
    // common case creates no string at all.
    const start = this.starts[field];
    const end = this.ends[field];
    let key = end - start;
    for (let i = start; i < end && key >= 0; i++) {
      const b = buf[i];
      if (isDigit(b)) key = key * 12 + (b - 0x30);
      else if (b === 0x41 || b === 0x42) key = key * 12 + (b - 0x41 + 10);
      else key = -1;
    }
    let reason = key >= 0 ? this.identifierCache.get(key) : undefined;
    if (reason === undefined) {
      const raw = buf.toString('latin1', start, end);
      if (raw.length === 11) {
        const result = validateRpps(raw);
        reason = result.ok ? null : result.reason;
      } else if (raw.length === 9) {
        const result = validateFiness(raw);
        reason = result.ok
          ? result.value === raw
            ? null
            : 'FINESS must be in canonical form'
          : result.reason;
      } else {
        reason = 'must be an RPPS number (11 digits) or a FINESS number (9 characters)';
      }
      if (this.identifierCache.size >= IDENTIFIER_CACHE_SIZE) this.identifierCache.clear();
      if (key >= 0) this.identifierCache.set(key, reason);
    }
    if (reason !== null) {
      this.reason = `${FEED_COLUMNS[field]}: ${reason}`;
      return false;
    }
    return true;
  }
}

/**
 * Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), on a
 * range of the buffer: buffer.isUtf8 would need a subarray, one allocation per line with an
 * accented label.
 */
function isUtf8Range(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
    } else if (b >= 0xc2 && b <= 0xdf) {
      if (i + 1 >= end || (buf[i + 1] & 0xc0) !== 0x80) return false;
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      if (i + 2 >= end) return false;
      const b1 = buf[i + 1];
      if ((b1 & 0xc0) !== 0x80 || (buf[i + 2] & 0xc0) !== 0x80) return false;
      if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f)) return false;
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (i + 3 >= end) return false;
      const b1 = buf[i + 1];
      if ((b1 & 0xc0) !== 0x80 || (buf[i + 2] & 0xc0) !== 0x80 || (buf[i + 3] & 0xc0) !== 0x80)
        return false;
      if ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return false;
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

/**
 * True for an 11-digit RPPS or a 9-digit FINESS (department not 00) whose last digit is the
 * Luhn key of the others: the rules of validateRpps / validateFiness for all-digit values.
 */
function luhnValidProfessional(buf: Buffer, start: number, end: number): boolean {
  const length = end - start;
  if (length !== 11 && (length !== 9 || (buf[start] === 0x30 && buf[start + 1] === 0x30)))
    return false;
  let sum = 0;
  let double = true;
  for (let i = end - 2; i >= start; i--) {
    const b = buf[i];
    if (b < 0x30 || b > 0x39) return false;
    let digit = b - 0x30;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  const last = buf[end - 1];
  return last >= 0x30 && last <= 0x39 && last - 0x30 === (10 - (sum % 10)) % 10;
}

const CODING_SYSTEM_CCAM = 0;
const CODING_SYSTEM_NGAP = 1;
const CODING_SYSTEM_CIP13 = 2;
const CODING_SYSTEM_NABM = 3;

function allDigits(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isDigit(buf[i])) return false;
  return true;
}

/** The shape of a code in its coding system; null when it fits. */
function checkCode(system: number, buf: Buffer, start: number, end: number): string | null {
  const length = end - start;
  switch (system) {
    case CODING_SYSTEM_CCAM:
      // Four letters (anatomy, action, approach) then three digits: "YYYY010", "DEQP003".
      if (
        length !== 7 ||
        !isUpper(buf[start]) ||
        !isUpper(buf[start + 1]) ||
        !isUpper(buf[start + 2]) ||
        !isUpper(buf[start + 3]) ||
        !allDigits(buf, start + 4, end)
      ) {
        return 'a CCAM code is four capital letters and three digits';
      }
      return null;
    case CODING_SYSTEM_NGAP: {
      // Letter keys: "C", "G", "AMI", "TC"...
      if (length < 1 || length > 4) return 'an NGAP key is one to four capital letters';
      for (let i = start; i < end; i++)
        if (!isUpper(buf[i])) return 'an NGAP key is one to four capital letters';
      return null;
    }
    case CODING_SYSTEM_CIP13: {
      // French drug codes: EAN-13 starting with 34009, the last digit an EAN check digit.
      if (length !== 13 || !allDigits(buf, start, end)) return 'a CIP13 code is 13 digits';
      // Byte by byte: a string per drug line showed in the profile.
      if (
        buf[start] !== 0x33 ||
        buf[start + 1] !== 0x34 ||
        buf[start + 2] !== 0x30 ||
        buf[start + 3] !== 0x30 ||
        buf[start + 4] !== 0x39
      )
        return 'a CIP13 code starts with 34009';
      let sum = 0;
      for (let i = 0; i < 12; i++) sum += (buf[start + i] - 48) * (i % 2 === 0 ? 1 : 3);
      const check = (10 - (sum % 10)) % 10;
      if (buf[start + 12] - 48 !== check) return `the CIP13 check digit should be ${check}`;
      return null;
    }
    case CODING_SYSTEM_NABM:
      if (length !== 4 || !allDigits(buf, start, end)) return 'a NABM code is 4 digits';
      return null;
    default:
      if (length !== 7 || !allDigits(buf, start, end)) return 'an LPP code is 7 digits';
      return null;
  }
}
