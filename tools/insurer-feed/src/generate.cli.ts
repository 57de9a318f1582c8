import { parseArgs } from 'node:util';
import { generateFeed } from './generate';

/**
 * npm run insurer:generate -- --out /tmp/feed.csv --lines 100000 [--seed 1] [--kind backfill|delta]
 *   [--gzip] [--bad-ratio 0.001] [--out-of-window-ratio 0.01] [--now 2026-11-23] [--file-id ID]
 *   [--patients-out /tmp/patients.txt] [--line-id-base N]
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      lines: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      kind: { type: 'string', default: 'backfill' },
      gzip: { type: 'boolean', default: false },
      'bad-ratio': { type: 'string', default: '0' },
      'out-of-window-ratio': { type: 'string', default: '0.01' },
      'lines-per-patient': { type: 'string', default: '50' },
      now: { type: 'string' },
      'file-id': { type: 'string' },
      'patients-out': { type: 'string' },
      'line-id-base': { type: 'string' },
    },
  });
  if (!values.out) throw new Error('--out <path> is required');
  if (values.kind !== 'backfill' && values.kind !== 'delta')
    throw new Error('--kind must be backfill or delta');
  const started = Date.now();
  const result = await generateFeed({
    out: values.out,
    lines: Number(values.lines),
    seed: Number(values.seed),
    kind: values.kind,
    gzip: values.gzip,
    badRatio: Number(values['bad-ratio']),
    outOfWindowRatio: Number(values['out-of-window-ratio']),
    linesPerPatient: Number(values['lines-per-patient']),
    now: values.now ? new Date(`${values.now}T12:00:00Z`) : undefined,
    fileId: values['file-id'],
    patientsOut: values['patients-out'],
    lineIdBase: values['line-id-base'] !== undefined ? Number(values['line-id-base']) : undefined,
  });
  console.log(JSON.stringify({ ...result, seconds: (Date.now() - started) / 1000 }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
