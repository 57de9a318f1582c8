import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generateFiness, generateIns, generateRpps, seededRandom } from '@dmp/domain';

const random = seededRandom(20261123);
let sequence = 0;

export function aTempDir(prefix = 'reimbursements-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function anInsForTest(): string {
  return generateIns(random);
}

export const aRpps = (): string => generateRpps(random);
export const aFiness = (): string => generateFiness(random);

/** A date `monthsAgo` months before today (day 1..28 so it exists in every month), YYYY-MM-DD. */
export function monthsAgo(months: number, day = 3, now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
  const dayOfMonth = months === 0 ? Math.min(day, now.getUTCDate()) : day;
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')}`;
}

export interface FeedLine {
  lineId: string;
  ins: string;
  careDate: string;
  codingSystem: string;
  code: string;
  label: string;
  quantity: string;
  prescriber: string;
  performer: string;
  charged: string;
  reimbursed: string;
}

/** A valid line (a GP consultation) for a patient and date; override any field. */
export function aLine(ins: string, careDate: string, overrides: Partial<FeedLine> = {}): FeedLine {
  sequence++;
  const month = careDate.slice(0, 4) + careDate.slice(5, 7);
  return {
    lineId: `${month}${String(900_000_000 + sequence).padStart(10, '0')}`,
    ins,
    careDate,
    codingSystem: 'NGAP',
    code: 'G',
    label: 'Consultation, médecin généraliste',
    quantity: '1',
    prescriber: '',
    performer: aRpps(),
    charged: '3000',
    reimbursed: '2100',
    ...overrides,
  };
}

export function lineText(line: FeedLine | string): string {
  if (typeof line === 'string') return line;
  const label = /[",]/.test(line.label) ? `"${line.label.replace(/"/g, '""')}"` : line.label;
  return [
    line.lineId,
    line.ins,
    line.careDate,
    line.codingSystem,
    line.code,
    label,
    line.quantity,
    line.prescriber,
    line.performer,
    line.charged,
    line.reimbursed,
  ].join(',');
}

export interface WrittenFeed {
  path: string;
  sha256: string;
  fileId: string;
}

/** Writes a feed file (and its .sha256 sidecar unless told not to); lines may be raw text. */
export function writeFeed(
  dir: string,
  lines: (FeedLine | string)[],
  options: {
    fileId?: string;
    kind?: 'backfill' | 'delta';
    declaredLines?: number;
    gzip?: boolean;
    sidecar?: boolean;
    name?: string;
  } = {},
): WrittenFeed {
  const fileId = options.fileId ?? `TEST-${Date.now()}-${++sequence}`;
  const header = `#DMP-REIMBURSEMENTS-FEED;version=1;file_id=${fileId};kind=${options.kind ?? 'delta'};period_start=${monthsAgo(30)};period_end=${new Date().toISOString().slice(0, 10)};lines=${options.declaredLines ?? lines.length}`;
  const columns =
    'line_id,ins,care_date,coding_system,code,label,quantity,prescriber,performer,charged_cents,reimbursed_cents';
  const text = [header, columns, ...lines.map(lineText)].join('\n') + '\n';
  const bytes = options.gzip ? gzipSync(text) : Buffer.from(text, 'utf8');
  const path = join(dir, options.name ?? `${fileId}.csv${options.gzip ? '.gz' : ''}`);
  writeFileSync(path, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (options.sidecar !== false) writeFileSync(`${path}.sha256`, `${sha256}  ${basename(path)}\n`);
  return { path, sha256, fileId };
}
