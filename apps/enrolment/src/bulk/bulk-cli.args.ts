import { extname } from 'node:path';
import { BulkFormat } from './bulk-job.entity';

export interface BulkCliOptions {
  file: string;
  format: BulkFormat;
  url: string;
  token: string | null;
  devActor: string | null;
  out: string;
  resultsFormat: 'ndjson' | 'csv';
  progress: boolean;
}

export const USAGE = `Usage: npm run enrol:bulk -- --file <campaign.csv|.ndjson> [options]
  --file <path>            the campaign file (CSV with a header line, or NDJSON: one POST /records body per line)
  --format csv|ndjson      default: from the file extension
  --url <base url>         enrolment service (default $ENROLMENT_URL or http://127.0.0.1:3001)
  --token <jwt>            bearer token of a CPAM agent or establishment (default $ENROLMENT_TOKEN)
  --dev-actor <json>       or get a development token for this actor from POST /dev/tokens,
                           e.g. '{"role":"cpam-agent","agentId":"campaign-1","cpamCode":"751"}'
  --out <path>             per-row result file (default <file>.results.<ndjson|csv>)
  --results-format ndjson|csv   default ndjson
  --no-progress            no progress bar`;

export class UsageError extends Error {}

export function parseBulkCliArgs(argv: string[], env: Record<string, string | undefined>): BulkCliOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const name = arg.slice(2);
    if (name === 'no-progress' || name === 'help') {
      flags.add(name);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    values.set(name, value);
    i++;
  }
  if (flags.has('help')) throw new UsageError('');
  const known = ['file', 'format', 'url', 'token', 'dev-actor', 'out', 'results-format'];
  const unknown = [...values.keys()].filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new UsageError(`unknown option --${unknown[0]}`);
  const file = values.get('file');
  if (!file) throw new UsageError('--file is required');
  const format = values.get('format') ?? (extname(file).toLowerCase() === '.csv' ? 'csv' : extname(file).toLowerCase().match(/^\.(nd)?jsonl?$/) ? 'ndjson' : '');
  if (format !== 'csv' && format !== 'ndjson') throw new UsageError('--format must be csv or ndjson (the file extension does not say)');
  const resultsFormat = values.get('results-format') ?? 'ndjson';
  if (resultsFormat !== 'csv' && resultsFormat !== 'ndjson') throw new UsageError('--results-format must be csv or ndjson');
  const token = values.get('token') ?? env['ENROLMENT_TOKEN'] ?? null;
  const devActor = values.get('dev-actor') ?? null;
  if (!token && !devActor) throw new UsageError('give --token (or ENROLMENT_TOKEN) or --dev-actor');
  return {
    file,
    format,
    url: (values.get('url') ?? env['ENROLMENT_URL'] ?? 'http://127.0.0.1:3001').replace(/\/+$/, ''),
    token,
    devActor,
    out: values.get('out') ?? `${file}.results.${resultsFormat}`,
    resultsFormat,
    progress: !flags.has('no-progress'),
  };
}

/** `[#########-----------]  45.0%  45,000/100,000 rows  12,345 rows/s` */
export function renderProgress(done: number, total: number | null, rowsPerSecond: number | null, width = 30): string {
  const rate = rowsPerSecond !== null ? `  ${rowsPerSecond.toLocaleString('en-US')} rows/s` : '';
  if (!total) return `${done.toLocaleString('en-US')} rows${rate}`;
  const ratio = Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(1).padStart(5)}%  ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows${rate}`;
}
