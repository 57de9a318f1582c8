import { FieldError } from '../records/record.exception';
import { BulkFormat } from './bulk-job.entity';

/** One line of a campaign file: the opening body it describes, or why it could not be read. */
export type BulkRow = { line: number; body: Record<string, unknown> } | { line: number; errors: FieldError[]; ins: string | null };

/** The file itself cannot be read (bad CSV header...): the job stops, with this message. */
export class BulkFileError extends Error {}

const stripCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);

/** Splits one CSV line (RFC 4180 quoting: "a,b" and "" for a quote; no line breaks inside fields). */
export function splitCsvLine(line: string, separator: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote === -1) throw new BulkFileError('unterminated quoted field');
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
      if (i < line.length && line[i] !== separator) throw new BulkFileError(`unexpected character after a quoted field at column ${i + 1}`);
      i++;
    } else {
      const next = line.indexOf(separator, i);
      const end = next === -1 ? line.length : next;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

/** CSV columns and where each goes in the opening body (the same body as POST /records). */
const CSV_COLUMNS: Record<string, (body: Record<string, unknown>, value: string) => void> = {
  ins: (b, v) => (b.ins = v),
  familyName: (b, v) => (b.familyName = v),
  givenNames: (b, v) => (b.givenNames = v),
  birthDate: (b, v) => (b.birthDate = v),
  cpamCode: (b, v) => (b.cpamCode = v),
  email: (b, v) => (b.email = v),
  mobile: (b, v) => (b.mobile = v),
  emergencyAccess: (b, v) => (b.emergencyAccess = csvBoolean(v)),
  samuAccess: (b, v) => (b.samuAccess = csvBoolean(v)),
  consentAt: (b, v) => (consentOf(b).at = v),
  consentGivenBy: (b, v) => (consentOf(b).givenBy = v),
  consentPlace: (b, v) => (consentOf(b).place = v),
  // INS[:relationship] separated by |, e.g. 279057510812366:parent|180017510812399:guardian
  legalRepresentatives: (b, v) =>
    (b.legalRepresentatives = v
      .split('|')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map((s) => {
        const [ins, relationship] = s.split(':');
        return relationship ? { ins, relationship } : { ins };
      })),
};
export const CSV_HEADER = Object.keys(CSV_COLUMNS);
const REQUIRED_CSV_COLUMNS = ['ins', 'familyName', 'givenNames', 'birthDate', 'cpamCode', 'consentAt'];

function consentOf(body: Record<string, unknown>): Record<string, unknown> {
  body.consent ??= {};
  return body.consent as Record<string, unknown>;
}

/** true/false, 1/0, yes/no, oui/non; anything else is passed through for the validator to name. */
function csvBoolean(value: string): unknown {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'oui', 'o', 'y'].includes(v)) return true;
  if (['false', '0', 'no', 'non', 'n'].includes(v)) return false;
  return value;
}

/**
 * Turns the bytes of a file into rows as they arrive (push a chunk, get the rows of its complete
 * lines). NDJSON: one opening body per line. CSV: a header line naming the columns (any order,
 * `,` or `;`), then one opening per line; empty cells are absent fields (so defaults apply).
 * Blank lines are skipped; line numbers are the file's own; \n and \r\n both end a line, the last
 * line may lack one. Throws BulkFileError when the file itself cannot be read (bad CSV header).
 */
export class BulkRowParser {
  private lineNo = 0;
  private header: { columns: string[]; separator: string } | null = null;
  private rest = '';
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly format: BulkFormat) {}

  push(chunk: Uint8Array | string): BulkRow[] {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return this.rows(lines);
  }

  /** The rows of the last line, once the file is complete. */
  end(): BulkRow[] {
    const last = this.rest + this.decoder.decode();
    this.rest = '';
    const rows = last.length > 0 ? this.rows([last]) : [];
    if (this.format === 'csv' && this.header === null) throw new BulkFileError('the CSV file is empty: it needs a header line');
    return rows;
  }

  private rows(lines: string[]): BulkRow[] {
    const rows: BulkRow[] = [];
    for (const raw of lines) {
      const line = stripCr(raw);
      this.lineNo++;
      if (line.trim().length === 0) continue;
      if (this.format === 'ndjson') rows.push(parseNdjsonLine(this.lineNo, line));
      else if (this.header === null) this.header = parseCsvHeader(line.replace(/^\uFEFF/, ''));
      else rows.push(parseCsvLine(this.lineNo, line, this.header));
    }
    return rows;
  }
}

/** BulkRowParser over a byte stream, a chunk's rows at a time. */
export async function* readBulkRows(source: AsyncIterable<Buffer | string>, format: BulkFormat): AsyncGenerator<BulkRow[]> {
  const parser = new BulkRowParser(format);
  for await (const chunk of source) {
    const rows = parser.push(chunk);
    if (rows.length > 0) yield rows;
  }
  const rows = parser.end();
  if (rows.length > 0) yield rows;
}

function parseNdjsonLine(line: number, text: string): BulkRow {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { line, errors: [{ field: '(row)', reason: `not valid JSON: ${(error as Error).message}` }], ins: null };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { line, errors: [{ field: '(row)', reason: 'must be a JSON object' }], ins: null };
  }
  return { line, body: body as Record<string, unknown> };
}

function parseCsvHeader(line: string): { columns: string[]; separator: string } {
  const separator = line.includes(';') && !line.includes(',') ? ';' : ',';
  const columns = splitCsvLine(line, separator).map((c) => c.trim());
  const unknown = columns.filter((c) => !(c in CSV_COLUMNS));
  if (unknown.length > 0) {
    throw new BulkFileError(`unknown CSV column(s) ${unknown.join(', ')}; the columns are ${CSV_HEADER.join(', ')}`);
  }
  const missing = REQUIRED_CSV_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new BulkFileError(`missing CSV column(s) ${missing.join(', ')}`);
  return { columns, separator };
}

function parseCsvLine(line: number, text: string, header: { columns: string[]; separator: string }): BulkRow {
  let cells: string[];
  try {
    cells = splitCsvLine(text, header.separator);
  } catch (error) {
    return { line, errors: [{ field: '(row)', reason: `not valid CSV: ${(error as Error).message}` }], ins: null };
  }
  if (cells.length !== header.columns.length) {
    const ins = header.columns.indexOf('ins');
    return {
      line,
      errors: [{ field: '(row)', reason: `has ${cells.length} cells, the header has ${header.columns.length}` }],
      ins: ins >= 0 && cells[ins] ? cells[ins] : null,
    };
  }
  const body: Record<string, unknown> = {};
  header.columns.forEach((column, i) => {
    const value = cells[i];
    if (value.trim().length > 0) CSV_COLUMNS[column](body, value);
  });
  return { line, body };
}
