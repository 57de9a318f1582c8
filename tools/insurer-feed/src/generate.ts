import { createHash } from 'node:crypto';
import { createWriteStream, renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { Writable } from 'node:stream';
import {
  RandomSource,
  generateFiness,
  generateIns,
  generateRpps,
  randomInt,
  seededRandom,
} from '@dmp/domain';

/**
 * The insurer's side of the reimbursement feed (format version 1, see
 * docs/readme/reimbursements.md): writes realistic files of any size from a seed, with the
 * sha256 sidecar the DMP's drop folder waits for. This tool deliberately does not import the
 * service's parser: the two sides meet only through the documented format.
 */
export interface GenerateFeedOptions {
  out: string;
  lines: number;
  seed: number;
  kind: 'backfill' | 'delta';
  fileId?: string;
  gzip?: boolean;
  /** Reference date of the 24-month window (default: today, UTC). */
  now?: Date;
  /** Share of lines with a defect the DMP must reject (default 0). */
  badRatio?: number;
  /** Share of lines dated before the 24-month window (default 0.01). */
  outOfWindowRatio?: number;
  /** Mean number of lines per patient (default 50: tens of lines a year, two years). */
  linesPerPatient?: number;
  /** First sequence number used for line ids in each month (files from one seed never collide with another seed's). */
  lineIdBase?: number;
  /** Writes the distinct INS of the file, one per line, to this path. */
  patientsOut?: string;
  /**
   * The patients of the file, in order (a backfill answering these patients' requests); when
   * `lines` needs more, the list is taken again from the start. Default: random INS.
   */
  patients?: readonly string[];
  /** Writes this many extra copies of the header's line count (testing: a lying header). */
  declaredLinesOverride?: number;
}

export interface GeneratedFeed {
  path: string;
  sha256: string;
  lines: number;
  patients: number;
  bytes: number;
  fileId: string;
}

const COLUMNS =
  'line_id,ins,care_date,coding_system,code,label,quantity,prescriber,performer,charged_cents,reimbursed_cents';

interface Catalogue {
  system: string;
  code: string;
  label: string;
  price: number;
  rate: number;
  performer: 'rpps' | 'finess';
  prescribed: boolean;
}

function cip13(random: RandomSource): string {
  let body = '34009';
  for (let i = 0; i < 7; i++) body += String(randomInt(random, 0, 9));
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

function csvField(text: string): string {
  return /[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function buildCatalogue(random: RandomSource): Catalogue[] {
  const items: Catalogue[] = [
    {
      system: 'NGAP',
      code: 'G',
      label: 'Consultation, médecin généraliste',
      price: 3000,
      rate: 0.7,
      performer: 'rpps',
      prescribed: false,
    },
    {
      system: 'NGAP',
      code: 'C',
      label: 'Consultation',
      price: 2650,
      rate: 0.7,
      performer: 'rpps',
      prescribed: false,
    },
    {
      system: 'NGAP',
      code: 'CS',
      label: 'Consultation spécialiste',
      price: 3000,
      rate: 0.7,
      performer: 'rpps',
      prescribed: false,
    },
    {
      system: 'NGAP',
      code: 'AMI',
      label: 'Acte infirmier "AMI"',
      price: 315,
      rate: 0.6,
      performer: 'rpps',
      prescribed: true,
    },
    {
      system: 'NGAP',
      code: 'AMK',
      label: 'Masso-kinésithérapie',
      price: 218,
      rate: 0.6,
      performer: 'rpps',
      prescribed: true,
    },
    {
      system: 'NABM',
      code: '1104',
      label: 'Hémogramme',
      price: 900,
      rate: 0.6,
      performer: 'finess',
      prescribed: true,
    },
    {
      system: 'NABM',
      code: '0593',
      label: 'Glycémie',
      price: 135,
      rate: 0.6,
      performer: 'finess',
      prescribed: true,
    },
    {
      system: 'NABM',
      code: '1610',
      label: 'Bilan lipidique',
      price: 1200,
      rate: 0.6,
      performer: 'finess',
      prescribed: true,
    },
    {
      system: 'CCAM',
      code: 'YYYY010',
      label: 'Radiographie du thorax',
      price: 2128,
      rate: 0.7,
      performer: 'rpps',
      prescribed: true,
    },
    {
      system: 'CCAM',
      code: 'DEQP003',
      label: 'Électrocardiographie',
      price: 1452,
      rate: 0.7,
      performer: 'rpps',
      prescribed: false,
    },
    {
      system: 'CCAM',
      code: 'HBGD035',
      label: 'Extraction dentaire',
      price: 3344,
      rate: 0.7,
      performer: 'rpps',
      prescribed: false,
    },
    {
      system: 'LPP',
      code: '1136386',
      label: 'Bandes de contention',
      price: 1760,
      rate: 0.6,
      performer: 'finess',
      prescribed: true,
    },
    {
      system: 'LPP',
      code: '2245401',
      label: 'Lecteur de glycémie',
      price: 4500,
      rate: 0.6,
      performer: 'finess',
      prescribed: true,
    },
  ];
  const drugs = [
    'Paracétamol 1 g, comprimé',
    'Amoxicilline 500 mg',
    'Lévothyroxine 75 µg',
    'Metformine 850 mg',
    'Atorvastatine 20 mg',
    'Ibuprofène 400 mg',
    'Oméprazole 20 mg',
    'Amlodipine 5 mg',
  ];
  for (let i = 0; i < 60; i++) {
    items.push({
      system: 'CIP13',
      code: cip13(random),
      label: drugs[i % drugs.length],
      price: randomInt(random, 150, 4500),
      rate: 0.65,
      performer: 'finess',
      prescribed: true,
    });
  }
  return items;
}

/** Weighted pick: consultations and drugs dominate, as in the insurer's data. */
function pickItem(random: RandomSource, catalogue: Catalogue[]): Catalogue {
  const roll = random();
  const bySystem = (system: string) => catalogue.filter((c) => c.system === system);
  const pools =
    pickItem.pools ??
    (pickItem.pools = new Map(
      ['NGAP', 'CIP13', 'NABM', 'CCAM', 'LPP'].map((s) => [s, bySystem(s)]),
    ));
  const system =
    roll < 0.35
      ? 'NGAP'
      : roll < 0.7
        ? 'CIP13'
        : roll < 0.85
          ? 'NABM'
          : roll < 0.95
            ? 'CCAM'
            : 'LPP';
  const pool = pools.get(system) as Catalogue[];
  return pool[Math.floor(random() * pool.length)];
}
pickItem.pools = undefined as Map<string, Catalogue[]> | undefined;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function monthIndex(date: Date): number {
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

const DEFECTS: ((fields: string[]) => void)[] = [
  (f) => (f[1] = f[1].slice(0, 13) + (f[1].slice(13) === '00' ? '01' : '00')), // INS key wrong
  (f) => (f[2] = f[2].slice(0, 8) + '32'), // day 32
  (f) => (f[3] = 'ATC'), // unknown coding system
  (f) => (f[10] = String(Number(f[9]) + 100)), // reimbursed more than charged
  (f) => (f[6] = '0'), // quantity 0
  (f) => f.splice(5, 1), // a field missing
];

/** Generates a feed file; resolves once the file and its `.sha256` sidecar are written. */
export async function generateFeed(options: GenerateFeedOptions): Promise<GeneratedFeed> {
  const random = seededRandom(options.seed);
  const now = options.now ?? new Date();
  const badRatio = options.badRatio ?? 0;
  const outOfWindowRatio = options.outOfWindowRatio ?? 0.01;
  const perPatient = options.linesPerPatient ?? 50;
  const fileId =
    options.fileId ?? `CNAM-${options.kind.toUpperCase()}-${options.seed}-${options.lines}`;
  const lineIdBase = options.lineIdBase ?? (options.seed % 1000) * 1_000_000;
  const catalogue = buildCatalogue(random);
  const rpps = Array.from({ length: 5000 }, () => generateRpps(random));
  const finess = Array.from({ length: 1000 }, () => generateFiness(random));
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const currentMonth = monthIndex(now);
  const windowStartMonth = currentMonth - 24;
  const sequences = new Map<number, number>();
  const periodStart =
    options.kind === 'backfill'
      ? new Date(Date.UTC(Math.floor((windowStartMonth - 3) / 12), (windowStartMonth - 3) % 12, 1))
      : new Date(today);
  const header = [
    '#DMP-REIMBURSEMENTS-FEED',
    'version=1',
    `file_id=${fileId}`,
    `kind=${options.kind}`,
    `period_start=${periodStart.toISOString().slice(0, 10)}`,
    `period_end=${new Date(today).toISOString().slice(0, 10)}`,
    `lines=${options.declaredLinesOverride ?? options.lines}`,
  ].join(';');

  const hash = createHash('sha256');
  let bytes = 0;
  const file = createWriteStream(options.out, { highWaterMark: 1 << 20 });
  const hashing = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      if (!file.write(chunk)) file.once('drain', () => callback());
      else callback();
    },
    final(callback) {
      file.end(() => callback());
    },
  });
  const sink: Writable = options.gzip ? createGzip({ level: 1 }) : hashing;
  if (options.gzip) sink.pipe(hashing);
  const done = new Promise<void>((resolve, reject) => {
    hashing.on('finish', resolve);
    hashing.on('error', reject);
    file.on('error', reject);
  });

  let pending = `${header}\n${COLUMNS}\n`;
  const flush = async () => {
    if (!sink.write(pending)) await once(sink, 'drain');
    pending = '';
  };

  const patients: string[] = [];
  let written = 0;
  while (written < options.lines) {
    const given = options.patients;
    const ins =
      given && given.length > 0 ? given[patients.length % given.length] : generateIns(random);
    patients.push(ins);
    const count = Math.min(
      options.lines - written,
      Math.max(1, Math.round(perPatient * (0.5 + random()))),
    );
    // A patient's lines sorted by care date, as the insurer's extraction lists them.
    const days: number[] = [];
    for (let i = 0; i < count; i++) {
      let month: number;
      if (random() < outOfWindowRatio) month = windowStartMonth - randomInt(random, 1, 3);
      else
        month =
          options.kind === 'delta'
            ? currentMonth
            : randomInt(random, windowStartMonth, currentMonth);
      const first = Date.UTC(Math.floor(month / 12), month % 12, 1);
      const last = Math.min(Date.UTC(Math.floor(month / 12), (month % 12) + 1, 0), today);
      days.push(first + randomInt(random, 0, Math.round((last - first) / 86_400_000)) * 86_400_000);
    }
    days.sort((a, b) => a - b);
    const prescriber = rpps[Math.floor(random() * rpps.length)];
    for (const day of days) {
      const date = new Date(day);
      const yyyymm = date.getUTCFullYear() * 100 + date.getUTCMonth() + 1;
      const seq = (sequences.get(yyyymm) ?? lineIdBase) + 1;
      sequences.set(yyyymm, seq);
      const item = pickItem(random, catalogue);
      const quantity = item.system === 'CIP13' ? randomInt(random, 1, 3) : 1;
      const charged = item.price * quantity;
      const fields = [
        `${yyyymm}${pad(seq, 10)}`,
        ins,
        date.toISOString().slice(0, 10),
        item.system,
        item.code,
        csvField(item.label),
        String(quantity),
        item.prescribed ? prescriber : '',
        item.performer === 'rpps'
          ? rpps[Math.floor(random() * rpps.length)]
          : finess[Math.floor(random() * finess.length)],
        String(charged),
        String(Math.round(charged * item.rate)),
      ];
      if (badRatio > 0 && random() < badRatio)
        DEFECTS[Math.floor(random() * DEFECTS.length)](fields);
      pending += fields.join(',') + '\n';
      written++;
      if (pending.length > 1 << 20) await flush();
    }
  }
  await flush();
  sink.end();
  await done;
  const sha256 = hash.digest('hex');
  // The sidecar tells a drop folder the file is complete: it appears whole, by a rename, so a
  // watcher never reads it empty or half written.
  writeFileSync(`${options.out}.sha256.part`, `${sha256}  ${basename(options.out)}\n`);
  renameSync(`${options.out}.sha256.part`, `${options.out}.sha256`);
  if (options.patientsOut) writeFileSync(options.patientsOut, patients.join('\n') + '\n');
  return {
    path: options.out,
    sha256,
    lines: options.lines,
    patients: patients.length,
    bytes,
    fileId,
  };
}
