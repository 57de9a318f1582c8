import { ActorRole } from '@dmp/domain';
import type { Actor } from '@dmp/auth';
import { describeRefusal, type SuiteHttp } from './suite-http';

/** One row of a campaign: the POST /records body of one patient. */
export interface CampaignRow {
  ins: string;
  body: Record<string, unknown>;
}

/** The enrolment's answer for one row, as its result file says it (`GET /bulk-jobs/:id/results`). */
export interface CampaignRowResult {
  ins: string;
  outcome: 'opened' | 'already-opened' | 'conflict' | 'rejected';
  recordId?: string;
  reason?: string;
  /** The job whose result file holds this row. */
  jobId: string;
  /** Jobs of ours that carried this row (2+ when a job was cut short by a crash and the rest re-sent). */
  attempts: number;
}

interface BulkRowResultLine {
  line?: number;
  ins?: string;
  outcome?: CampaignRowResult['outcome'];
  recordId?: string;
  errors?: Array<{ field?: string; reason?: string }>;
}

/** The CPAM office's campaign agent: every row of its campaigns is opened in this name. */
export function campaignAgent(cpamCode: string): Actor {
  return {
    role: ActorRole.CPAM_AGENT,
    agentId: `campaign-${cpamCode}`,
    cpamCode,
  } as Actor;
}

/**
 * A CPAM office's mass campaign through enrolment's bulk jobs (POST /bulk-jobs, PUT the NDJSON
 * file, GET the per-row results): the counter channel of thousands of patients at the cost of a
 * few requests. A job whose upload got no clean answer (the instance died under it) is read back
 * from its result file, which holds exactly the rows of the batches that committed; the rows
 * missing from it go again in a new job. A row opened by an earlier job of ours answers
 * `already-opened` there, which the caller reads as opened by us. Rows still without a result at
 * the deadline are left out of the returned map (their outcome is unknown).
 */
export async function runCampaign(
  http: SuiteHttp,
  actor: Actor,
  rows: readonly CampaignRow[],
  options: { deadlineMs: number; signal?: AbortSignal; log: (line: string) => void },
): Promise<Map<string, CampaignRowResult>> {
  const results = new Map<string, CampaignRowResult>();
  const tries = new Map<string, number>();
  const deadline = Date.now() + options.deadlineMs;
  let remaining = [...rows];
  while (remaining.length > 0 && !options.signal?.aborted && Date.now() < deadline) {
    for (const row of remaining) tries.set(row.ins, (tries.get(row.ins) ?? 0) + 1);
    const created = await http.request('enrolment', 'POST', '/bulk-jobs', actor, {
      body: {
        format: 'ndjson',
        fileName: 'simulated-campaign.ndjson',
        expectedRows: remaining.length,
      },
    });
    const jobId = (created.body as { id?: string } | undefined)?.id;
    if ((created.status !== 200 && created.status !== 201) || !jobId) {
      options.log(
        `campaign: creating a job failed: ${describeRefusal(created.status, created.body, created.text)}`,
      );
      return results;
    }
    const ndjson = Buffer.from(remaining.map((r) => JSON.stringify(r.body)).join('\n') + '\n');
    // A retried upload of the same job is refused (409 BULK_JOB_ALREADY_STARTED): the result
    // file says what the first upload did either way.
    const upload = await http.request('enrolment', 'PUT', `/bulk-jobs/${jobId}/file`, actor, {
      raw: ndjson,
      contentType: 'application/x-ndjson',
    });
    if (upload.status !== 200)
      options.log(
        `campaign job ${jobId}: upload answered ${describeRefusal(upload.status, upload.body, upload.text)}; reading its results`,
      );
    const read = await http.request(
      'enrolment',
      'GET',
      `/bulk-jobs/${jobId}/results?format=ndjson`,
      actor,
    );
    if (read.status !== 200) {
      options.log(
        `campaign job ${jobId}: results unreadable: ${describeRefusal(read.status, read.body, read.text)}`,
      );
      continue;
    }
    for (const text of read.text.split('\n')) {
      if (text.length === 0) continue;
      const line = JSON.parse(text) as BulkRowResultLine;
      if (!line.ins || !line.outcome || results.has(line.ins)) continue;
      results.set(line.ins, {
        ins: line.ins,
        outcome: line.outcome,
        ...(line.recordId ? { recordId: line.recordId } : {}),
        ...(line.errors?.length
          ? { reason: line.errors.map((e) => `${e.field ?? '?'}: ${e.reason ?? '?'}`).join('; ') }
          : {}),
        jobId,
        attempts: tries.get(line.ins) ?? 1,
      });
    }
    remaining = remaining.filter((row) => !results.has(row.ins));
  }
  return results;
}
