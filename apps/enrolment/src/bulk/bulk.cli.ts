import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BulkCliOptions, USAGE, UsageError, parseBulkCliArgs, renderProgress } from './bulk-cli.args';

/**
 * Mass-opening CLI: `npm run enrol:bulk -- --file campaign.csv --dev-actor '{...}'`.
 * Creates a job, streams the file to it while polling the job for progress (bar on stderr),
 * then writes the per-row result file and prints the final counts as one JSON line on stdout.
 * Exit code 0 when the job completed (even with rejected rows: they are in the result file),
 * 1 when it failed, 2 for a usage error.
 */

interface JobView {
  id: string;
  status: string;
  rowsProcessed: number;
  expectedRows: number | null;
  opened: number;
  alreadyOpened: number;
  conflicts: number;
  rejected: number;
  rowsPerSecond: number | null;
  failure: string | null;
}

async function json<T>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function countDataRows(file: string, format: 'csv' | 'ndjson'): Promise<number> {
  let rows = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (line.trim().length > 0) rows++;
  return format === 'csv' ? Math.max(0, rows - 1) : rows;
}

async function tokenOf(options: BulkCliOptions): Promise<string> {
  if (options.token) return options.token;
  const actor: unknown = JSON.parse(options.devActor ?? 'null');
  const { token } = await json<{ token: string }>(`${options.url}/dev/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(actor),
  });
  return token;
}

function upload(url: string, token: string, file: string, format: 'csv' | 'ndjson'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'PUT',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': format === 'csv' ? 'text/csv' : 'application/x-ndjson',
          'Content-Length': statSync(file).size,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    createReadStream(file).on('error', reject).pipe(req);
  });
}

export async function runBulkCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let options: BulkCliOptions;
  try {
    options = parseBulkCliArgs(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) console.error(`enrol:bulk: ${error.message}`);
      console.error(USAGE);
      return 2;
    }
    throw error;
  }
  const token = await tokenOf(options);
  const auth = { Authorization: `Bearer ${token}` };
  const expectedRows = await countDataRows(options.file, options.format);
  const job = await json<JobView>(`${options.url}/bulk-jobs`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ format: options.format, fileName: options.file.split('/').pop(), expectedRows }),
  });
  console.error(`enrol:bulk: job ${job.id}, ${expectedRows.toLocaleString('en-US')} rows to send`);

  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  const show = (view: JobView, final = false): void => {
    if (!options.progress) return;
    const line = renderProgress(view.rowsProcessed, view.expectedRows, view.rowsPerSecond);
    if (tty) process.stderr.write(`\r${line}${final ? '\n' : ''}`);
    else if (final || Date.now() - lastPrinted > 2000) {
      process.stderr.write(`${line}\n`);
      lastPrinted = Date.now();
    }
  };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (!polling) break;
      try {
        show(await json<JobView>(`${options.url}/bulk-jobs/${job.id}`, { headers: auth }));
      } catch {
        // A missed progress poll is not worth stopping the upload for.
      }
    }
  })();

  const result = await upload(`${options.url}/bulk-jobs/${job.id}/file`, token, options.file, options.format).finally(() => {
    polling = false;
  });
  await poller;
  if (result.status !== 200) {
    if (tty && options.progress) process.stderr.write('\n');
    console.error(`enrol:bulk: the upload failed (${result.status}): ${result.body}`);
    return 1;
  }
  const final = JSON.parse(result.body) as JobView;
  show(final, true);

  const res = await fetch(`${options.url}/bulk-jobs/${job.id}/results?format=${options.resultsFormat}`, { headers: auth });
  if (!res.ok || !res.body) throw new Error(`GET results: ${res.status}`);
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(options.out));
  console.error(`enrol:bulk: per-row results in ${options.out}`);
  console.log(
    JSON.stringify({
      jobId: final.id,
      status: final.status,
      rows: final.rowsProcessed,
      opened: final.opened,
      alreadyOpened: final.alreadyOpened,
      conflicts: final.conflicts,
      rejected: final.rejected,
      rowsPerSecond: final.rowsPerSecond,
      results: options.out,
    }),
  );
  return final.status === 'completed' ? 0 : 1;
}

if (require.main === module) {
  runBulkCli(process.argv.slice(2), process.env)
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(`enrol:bulk: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}
