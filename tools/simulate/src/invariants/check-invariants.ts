import {
  compareCount,
  compareItems,
  isClean,
  Tally,
  type InvariantResult,
  type KeyOutcome,
} from './compare';
import type { ExpectedDistinct, Expectations } from './expectations';
import { forEachLimited, type SuiteClient } from './suite-client';
import { groupBy } from '../group-by';

export interface InvariantReport {
  holds: boolean;
  /** Sums over the invariants. */
  lost: number;
  duplicated: number;
  unexpected: number;
  results: InvariantResult[];
  /** From the first observation until every invariant held (or the checks gave up). */
  convergenceMs: number;
  /** True when every invariant held before the deadline. */
  converged: boolean;
  /** HTTP requests the checks made. */
  requests: number;
}

export interface CheckInvariantsOptions {
  /** Give up waiting for convergence after this long (default 5 minutes). */
  deadlineMs?: number;
  /** Give up earlier when no observation changed for this long while something is still off (default 90 s). */
  quietMs?: number;
  /** Parallel HTTP requests (default 8). */
  concurrency?: number;
  log?: (line: string) => void;
}

/** One invariant, observed key by key (a patient, a figure) so that only what is still off is polled again. */
interface KeyedCheck {
  name: string;
  description: string;
  keys: string[];
  /** Called once per polling round before `observe` (fetch shared figures once). */
  beginRound?: () => Promise<void>;
  observe(key: string): Promise<KeyOutcome>;
}

interface TraceEntry {
  accessId: string;
  accessor: { role: string; id: string };
  target: { kind: string; id: string | null };
  mode?: string;
  granted: boolean;
}

/** Access modes in which a granted read notifies the patient (consent's emergency notification). */
const EMERGENCY_MODES = new Set(['emergency', 'samu-regulation']);
/** The most notifications one read of the list returns. */
const NOTIFICATIONS_PAGE = 500;

interface NotificationRow {
  trigger: string;
  dedupKey: string;
  channel: string;
}

interface DocumentsPage {
  items: Array<{ documentId: string; sha256: string; sourceCategory?: string }>;
  refused: number;
}

function patientsOf(expectations: Expectations): string[] {
  const all = new Set<string>();
  for (const o of expectations.openings) all.add(o.ins);
  for (const d of expectations.documents) all.add(d.ins);
  for (const r of expectations.reimbursements) all.add(r.ins);
  for (const a of expectations.accesses) all.add(a.ins);
  return [...all].sort();
}

function add(figures: Map<string, number>, key: string, value: number): void {
  figures.set(key, (figures.get(key) ?? 0) + value);
}

function analyticsCheck(client: SuiteClient, expectations: Expectations): KeyedCheck {
  const operator = client.operator();
  const certain = expectations.openings.filter((o) => o.certain);
  const uncertain = expectations.openings.filter((o) => !o.certain);
  const expected = new Map<string, { certain: number; uncertain: number }>();
  const bump = (key: string, isCertain: boolean): void => {
    const entry = expected.get(key) ?? { certain: 0, uncertain: 0 };
    if (isCertain) entry.certain++;
    else entry.uncertain++;
    expected.set(key, entry);
  };
  for (const opening of [...certain, ...uncertain]) {
    const sure = opening.certain;
    bump('records opened', sure);
    bump(`openings channel=${opening.channel}`, sure);
    bump(`open records cpam=${opening.cpamCode}`, sure);
    if (opening.pharmacyFiness) bump(`pharmacy openings finess=${opening.pharmacyFiness}`, sure);
  }
  for (const document of expectations.documents) {
    bump('documents added', document.certain);
    if (document.sourceCategory)
      bump(`documents added source=${document.sourceCategory}`, document.certain);
  }
  const activity = expectations.activity;
  const distinctKeys: Array<[string, ExpectedDistinct[]]> = activity
    ? [
        ['feeding establishments', activity.feedingEstablishments],
        ['feeding professionals', activity.feedingProfessionals],
        ['consulting professionals', activity.consultingProfessionals],
      ]
    : [];
  for (const [figure, breakdown] of distinctKeys)
    for (const row of breakdown)
      expected.set(`${figure} ${row.key}`, {
        certain: row.certain.length,
        uncertain: row.uncertain.length,
      });
  const lines = expectations.reimbursements.reduce((sum, r) => sum + r.lines, 0);
  const uncertainLines = expectations.reimbursements.reduce((sum, r) => sum + r.uncertainLines, 0);
  expected.set('reimbursement lines imported', { certain: lines, uncertain: uncertainLines });
  let figures = new Map<string, number>();
  return {
    name: 'analytics figures equal what the simulator did',
    description:
      'DMPs opened, openings per channel, open records per CPAM, openings per pharmacy, documents added (per source), reimbursement lines imported, establishments and professionals feeding and professionals consulting (GET analytics /figures/*) equal what the suite answered the simulator',
    get keys() {
      return [...expected.keys()];
    },
    beginRound: async () => {
      const next = new Map<string, number>();
      const records = await client.get<{ opened: number }>(
        'analytics',
        '/figures/records',
        operator,
      );
      next.set('records opened', records.opened);
      const openings = await client.get<Array<{ channel: string; opened: number }>>(
        'analytics',
        '/figures/openings?period=month',
        operator,
      );
      for (const row of openings)
        next.set(
          `openings channel=${row.channel}`,
          (next.get(`openings channel=${row.channel}`) ?? 0) + row.opened,
        );
      const coverage = await client.get<Array<{ cpamCode: string; openRecords: number }>>(
        'analytics',
        '/figures/coverage',
        operator,
      );
      for (const row of coverage)
        if (row.cpamCode !== 'TOTAL')
          next.set(`open records cpam=${row.cpamCode}`, row.openRecords);
      const pharmacies = await client.get<Array<{ finess: string; opened: number }>>(
        'analytics',
        '/figures/pharmacy-openings',
        operator,
      );
      for (const row of pharmacies) next.set(`pharmacy openings finess=${row.finess}`, row.opened);
      const documents = await client.get<Array<{ sourceCategory: string; documents: number }>>(
        'analytics',
        '/figures/documents?period=month',
        operator,
      );
      for (const row of documents) {
        add(next, 'documents added', row.documents);
        add(next, `documents added source=${row.sourceCategory}`, row.documents);
      }
      const files = await client.get<Array<{ linesImported: number }>>(
        'analytics',
        '/figures/reimbursement-lines?period=month',
        operator,
      );
      for (const row of files) add(next, 'reimbursement lines imported', row.linesImported);
      if (activity) {
        const establishments = await client.get<
          Array<{ kind: string; category: string; establishments: number }>
        >('analytics', '/figures/feeding-establishments?period=all', operator);
        for (const row of establishments)
          add(next, `feeding establishments ${row.kind}/${row.category}`, row.establishments);
        for (const [figure, path] of [
          ['feeding professionals', '/figures/feeding-professionals?period=all'],
          ['consulting professionals', '/figures/consulting-professionals?period=all'],
        ] as const) {
          const rows = await client.get<Array<{ profession: string; professionals: number }>>(
            'analytics',
            path,
            operator,
          );
          for (const row of rows) add(next, `${figure} ${row.profession}`, row.professionals);
        }
        // A breakdown analytics shows that the simulator never fed is a finding too.
        for (const key of next.keys())
          if (!expected.has(key)) expected.set(key, { certain: 0, uncertain: 0 });
      }
      figures = next;
    },
    observe: async (key) => {
      const want = expected.get(key) ?? { certain: 0, uncertain: 0 };
      return compareCount(want.certain, want.uncertain, figures.get(key) ?? 0, key);
    },
  };
}

/** The patient's whole access trace, page after page (newest first). */
async function readTrace(client: SuiteClient, ins: string): Promise<TraceEntry[]> {
  const entries: TraceEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.get<{ items: TraceEntry[]; nextCursor: string | null }>(
      'consent',
      `/patients/${ins}/access-trace?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      client.operator(),
    );
    entries.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return entries;
}

/**
 * Traces the trace check found exactly as expected, by patient: complete, so the notifications
 * check reads them here instead of asking consent again (the checks' own reads come later).
 */
type SettledTraces = Map<string, TraceEntry[]>;

function traceCheck(
  client: SuiteClient,
  expectations: Expectations,
  patients: string[],
  settled: SettledTraces,
): KeyedCheck {
  const byPatient = new Map(expectations.accesses.map((a) => [a.ins, a]));
  return {
    name: 'a trace entry per access',
    description:
      "every read the simulator made (granted or refused) appears once in the patient's access trace (GET consent /patients/:ins/access-trace)",
    keys: patients,
    observe: async (ins) => {
      const ids = new Map<string, number>();
      const trace = await readTrace(client, ins);
      for (const item of trace) {
        ids.set(item.accessId, (ids.get(item.accessId) ?? 0) + 1);
      }
      const want = byPatient.get(ins);
      const total = [...ids.values()].reduce((a, b) => a + b, 0);
      const outcome = compareCount(
        want?.traceEntries ?? 0,
        want?.uncertainTraceEntries ?? 0,
        total,
        'trace entries',
      );
      // The access id is the trace's primary key: the same id twice would be a paging bug.
      for (const [id, count] of ids) {
        if (count > 1) {
          outcome.duplicated += count - 1;
          outcome.details.push(`access ${id} listed ${count} times`);
        }
      }
      if (isClean(outcome)) settled.set(ins, trace);
      else settled.delete(ins);
      return outcome;
    },
  };
}

function notificationsCheck(
  client: SuiteClient,
  expectations: Expectations,
  patients: string[],
  settled: SettledTraces,
): KeyedCheck {
  const byPatient = new Map(expectations.accesses.map((a) => [a.ins, a]));
  const opened = new Map(expectations.openings.map((o) => [o.ins, o.certain]));
  const alerts = new Map((expectations.documentAlerts ?? []).map((a) => [a.ins, a]));
  const emergencies = new Set(expectations.emergencyReadPatients ?? []);
  return {
    name: 'exactly one notification per first access, emergency access, new document and opening',
    description:
      "each professional's first granted access to a record, each granted emergency access (per access, as the trace shows it) and each new document filed for a patient who asked to be told (not their own, not hidden from them) notifies the patient once per channel, and each opening sends one welcome (GET consent /patients/:ins/notifications)",
    keys: patients,
    observe: async (ins) => {
      const rows = await client.get<NotificationRow[]>(
        'consent',
        `/patients/${ins}/notifications?limit=${NOTIFICATIONS_PAGE}`,
        client.operator(),
      );
      // One row per channel is one notification: a dedup key seen twice on a channel is a
      // duplicate, and so is a second welcome key (record-opened:<ins>:<openedAt>).
      const observed = new Map<string, number>();
      const count = (id: string, group: NotificationRow[]): void => {
        const perChannel = Math.max(
          ...[...groupBy(group, (r) => r.channel).values()].map((g) => g.length),
        );
        observed.set(id, (observed.get(id) ?? 0) + perChannel);
      };
      for (const [key, group] of groupBy(rows, (r) => r.dedupKey)) {
        const trigger = group[0]?.trigger;
        if (trigger === 'first-access') count(key.slice(key.lastIndexOf(':') + 1), group);
        else if (trigger === 'record-opened') count('welcome', group);
        // emergency-access:<accessId>
        else if (trigger === 'emergency-access')
          count(`emergency ${key.slice(key.indexOf(':') + 1)}`, group);
        // new-document:<documentId>:<version>
        else if (trigger === 'new-document')
          count(`document ${key.slice(key.indexOf(':') + 1, key.lastIndexOf(':'))}`, group);
        else count(`${trigger ?? 'no trigger'} ${key}`, group);
      }
      const want = byPatient.get(ins);
      const certain = new Set(want?.firstAccessBy ?? []);
      const uncertain = new Set(want?.uncertainFirstAccessBy ?? []);
      if ((want && want.firstAccessIfTraced.length > 0) || emergencies.has(ins)) {
        const trace = settled.get(ins) ?? (await readTrace(client, ins));
        const granted = trace.filter((entry) => entry.granted);
        const grantedTo = new Set(
          granted
            .filter((entry) => entry.accessor.role === 'professional')
            .map((entry) => entry.accessor.id),
        );
        for (const rpps of want?.firstAccessIfTraced ?? [])
          if (grantedTo.has(rpps)) certain.add(rpps);
        // The trace check holds the trace to the simulator's reads; here each granted
        // emergency access in it must have notified the patient once.
        for (const entry of granted)
          if (EMERGENCY_MODES.has(entry.mode ?? '')) certain.add(`emergency ${entry.accessId}`);
      }
      const alert = alerts.get(ins);
      for (const id of alert?.certain ?? []) certain.add(`document ${id}`);
      for (const id of alert?.uncertain ?? []) uncertain.add(`document ${id}`);
      if (opened.get(ins) === true) certain.add('welcome');
      else if (opened.get(ins) === false) uncertain.add('welcome');
      const outcome = compareItems(certain, uncertain, observed);
      if (rows.length >= NOTIFICATIONS_PAGE) {
        outcome.unexpected++;
        outcome.details.push(`${rows.length} notifications: more than one page, not all were read`);
      }
      return outcome;
    },
  };
}

function documentsCheck(
  client: SuiteClient,
  expectations: Expectations,
  patients: string[],
): KeyedCheck {
  const byPatient = groupBy(expectations.documents, (d) => d.ins);
  return {
    name: 'every accepted document stored exactly once in the right record',
    description:
      "each document the suite accepted is listed once in its patient's record with its hash and its source category (GET documents /patients/:ins/documents), and nothing else is",
    keys: patients,
    observe: async (ins) => {
      const patient = client.patient(ins);
      const counts = new Map<string, number>();
      const hashes = new Map<string, string>();
      const sources = new Map<string, string | undefined>();
      let refused = 0;
      for (let offset = 0; ; offset += 100) {
        const page = await client.get<DocumentsPage>(
          'documents',
          `/patients/${ins}/documents?limit=100&offset=${offset}`,
          patient,
        );
        for (const item of page.items) {
          counts.set(item.documentId, (counts.get(item.documentId) ?? 0) + 1);
          hashes.set(item.documentId, item.sha256);
          sources.set(item.documentId, item.sourceCategory);
        }
        refused += page.refused;
        if (page.items.length + page.refused < 100) break;
      }
      const mine = byPatient.get(ins) ?? [];
      const visible = mine.filter((d) => !d.hiddenFromPatient);
      const expectedHash = new Map(mine.map((d) => [d.documentId, d.sha256]));
      const expectedSource = new Map(mine.map((d) => [d.documentId, d.sourceCategory]));
      const outcome = compareItems(
        new Set(visible.filter((d) => d.certain).map((d) => d.documentId)),
        new Set(visible.filter((d) => !d.certain).map((d) => d.documentId)),
        counts,
        (id) =>
          hashes.get(id) !== expectedHash.get(id)
            ? `stored with sha256 ${hashes.get(id)}, sent ${expectedHash.get(id)}`
            : expectedSource.get(id) !== undefined && sources.get(id) !== expectedSource.get(id)
              ? `stored as source ${sources.get(id) ?? 'none'}, sent as ${expectedSource.get(id)}`
              : undefined,
      );
      // Documents invisible to the patient until explained are counted as refused in the list.
      const hidden = mine.filter((d) => d.hiddenFromPatient);
      const hiddenOutcome = compareCount(
        hidden.filter((d) => d.certain).length,
        hidden.filter((d) => !d.certain).length,
        refused,
        'documents hidden from the patient',
      );
      return {
        expected: outcome.expected + hiddenOutcome.expected,
        observed: outcome.observed + hiddenOutcome.observed,
        lost: outcome.lost + hiddenOutcome.lost,
        duplicated: outcome.duplicated + hiddenOutcome.duplicated,
        unexpected: outcome.unexpected,
        uncertain: outcome.uncertain + hiddenOutcome.uncertain,
        details: [...outcome.details, ...hiddenOutcome.details],
      };
    },
  };
}

function reimbursementsCheck(
  client: SuiteClient,
  expectations: Expectations,
  patients: string[],
): KeyedCheck {
  const byPatient = new Map(expectations.reimbursements.map((r) => [r.ins, r]));
  return {
    name: 'every reimbursement line stored once',
    description:
      "each patient's history total (GET reimbursements /patients/:ins/reimbursements) equals the lines the insurer's files carried for them",
    keys: patients,
    observe: async (ins) => {
      const page = await client.get<{ total: number }>(
        'reimbursements',
        `/patients/${ins}/reimbursements?pageSize=1`,
        client.patient(ins),
      );
      const want = byPatient.get(ins);
      return compareCount(
        want?.lines ?? 0,
        want?.uncertainLines ?? 0,
        page.total,
        'reimbursement lines',
      );
    },
  };
}

/**
 * Polls a group of checks until every key is clean, the deadline passes, or nothing changed for
 * `quietMs`. Keys already clean are not polled again: at the end of a large run only the
 * stragglers are re-read.
 */
async function converge(
  checks: KeyedCheck[],
  options: Required<Omit<CheckInvariantsOptions, 'log'>> & { log: (line: string) => void },
  deadline: number,
): Promise<Map<KeyedCheck, Map<string, KeyOutcome>>> {
  const state = new Map(checks.map((c) => [c, new Map<string, KeyOutcome>()]));
  let lastChange = Date.now();
  for (let round = 1; ; round++) {
    let changed = false;
    let pending = 0;
    for (const check of checks) {
      const seen = state.get(check) as Map<string, KeyOutcome>;
      const unsettled = (): string[] =>
        check.keys.filter((key) => {
          const outcome = seen.get(key);
          return !outcome || !isClean(outcome);
        });
      if (unsettled().length === 0) continue;
      try {
        await check.beginRound?.();
      } catch (error) {
        options.log(
          `  round ${round}: ${check.name}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      // A round may reveal keys (a figure's breakdown nobody expected): they are observed too.
      const todo = unsettled();
      await forEachLimited(todo, options.concurrency, async (key) => {
        const outcome = await check.observe(key).catch((error: unknown): KeyOutcome => ({
          // A read the suite cannot answer (a 500, a refusal) is a finding, not the end of the checks.
          expected: 0,
          observed: 0,
          lost: 0,
          duplicated: 0,
          unexpected: 1,
          uncertain: 0,
          details: [`could not be read: ${error instanceof Error ? error.message : String(error)}`],
        }));
        const before = seen.get(key);
        if (
          !before ||
          before.observed !== outcome.observed ||
          before.lost !== outcome.lost ||
          before.duplicated !== outcome.duplicated
        )
          changed = true;
        seen.set(key, outcome);
      });
      const off = unsettled().length;
      pending += off;
      if (off > 0)
        options.log(`  round ${round}: ${check.name}: ${off}/${check.keys.length} not (yet) right`);
    }
    if (changed) lastChange = Date.now();
    if (pending === 0) return state;
    const now = Date.now();
    if (now >= deadline || now - lastChange >= options.quietMs) return state;
    // The poll interval of an eventually consistent read, not a synchronisation.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

function tallied(check: KeyedCheck, outcomes: Map<string, KeyOutcome>): InvariantResult {
  const tally = new Tally(check.name, check.description);
  for (const key of check.keys) {
    const outcome = outcomes.get(key);
    if (outcome) tally.add(outcome, key);
  }
  return tally.result();
}

/**
 * Checks the invariants of a run through the public APIs, waiting for eventual consistency.
 * Order matters: the trace, notifications and analytics are observed first, because the
 * documents and reimbursements checks read as the patient, and those reads are traced too.
 */
export async function checkInvariants(
  client: SuiteClient,
  expectations: Expectations,
  options: CheckInvariantsOptions = {},
): Promise<InvariantReport> {
  const settings = {
    deadlineMs: options.deadlineMs ?? 5 * 60_000,
    quietMs: options.quietMs ?? 90_000,
    concurrency: options.concurrency ?? 8,
    log: options.log ?? (() => undefined),
  };
  const began = Date.now();
  const deadline = began + settings.deadlineMs;
  const before = client.requests;
  const patients = patientsOf(expectations);
  settings.log(`checking invariants over ${patients.length} patients`);
  const traces: SettledTraces = new Map();
  const first = [
    analyticsCheck(client, expectations),
    traceCheck(client, expectations, patients, traces),
    notificationsCheck(client, expectations, patients, traces),
  ];
  const firstState = await converge(first, settings, deadline);
  const second = [
    documentsCheck(client, expectations, patients),
    reimbursementsCheck(client, expectations, patients),
  ];
  const secondState = await converge(second, settings, Math.max(deadline, Date.now() + 60_000));
  const results = [
    ...second.map((check) => tallied(check, secondState.get(check) as Map<string, KeyOutcome>)),
    ...first.map((check) => tallied(check, firstState.get(check) as Map<string, KeyOutcome>)),
  ];
  const sum = (pick: (r: InvariantResult) => number): number =>
    results.reduce((total, r) => total + pick(r), 0);
  const holds = results.every((r) => r.holds);
  return {
    holds,
    lost: sum((r) => r.lost),
    duplicated: sum((r) => r.duplicated),
    unexpected: sum((r) => r.unexpected),
    results,
    convergenceMs: Date.now() - began,
    converged: holds,
    requests: client.requests - before,
  };
}

/** The report as lines for a terminal. */
export function formatReport(report: InvariantReport): string[] {
  const lines = [
    `invariants ${report.holds ? 'HOLD' : 'BROKEN'} (checked in ${(report.convergenceMs / 1000).toFixed(1)} s, ${report.requests} requests)`,
  ];
  for (const r of report.results) {
    lines.push(
      `  [${r.holds ? 'ok' : 'FAIL'}] ${r.name}: expected ${r.expected}${r.uncertain ? ` (+${r.uncertain} uncertain)` : ''}, observed ${r.observed}, lost ${r.lost}, duplicated ${r.duplicated}, unexpected ${r.unexpected}`,
    );
    for (const example of r.examples) lines.push(`         ${example}`);
  }
  return lines;
}
