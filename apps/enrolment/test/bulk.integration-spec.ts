import { Topics } from '@dmp/contracts';

import { waitFor } from '@dmp/testing';
import { request as httpRequest } from 'node:http';
import { PassThrough } from 'node:stream';
import { actors, anOpening, newIns } from './support/builders';
import { EnrolmentTestApp, startEnrolmentApp } from './support/enrolment-test-app';

const HEADER = 'ins,familyName,givenNames,birthDate,cpamCode,email,mobile,emergencyAccess,samuAccess,consentAt,consentGivenBy,consentPlace,legalRepresentatives';
const consentAt = new Date(Date.now() - 3600_000).toISOString();
const csvRow = (ins: string, extra: Partial<Record<'email' | 'mobile' | 'birthDate' | 'reps' | 'emergency', string>> = {}): string =>
  [ins, 'DURAND', 'Paul', extra.birthDate ?? '1970-01-01', '751', extra.email ?? 'paul@example.fr', extra.mobile ?? '', extra.emergency ?? '', '', consentAt, '', 'campaign 2026', extra.reps ?? ''].join(',');

interface ResultLine {
  line: number;
  ins: string | null;
  outcome: string;
  recordId?: string;
  errors?: { field: string; reason: string }[];
}

describe('Bulk openings (mass campaigns)', () => {
  let sut: EnrolmentTestApp;
  let agentToken: string;

  beforeAll(async () => {
    sut = await startEnrolmentApp({ ENROLMENT_BULK_BATCH_SIZE: '500' });
    agentToken = `Bearer ${sut.tokenFor(actors.agent())}`;
  });
  afterAll(async () => {
    await sut?.stop();
  });

  async function runJob(format: 'csv' | 'ndjson', content: string, token = agentToken) {
    const job = await sut.http().post('/bulk-jobs').set('Authorization', token).send({ format, fileName: `campaign.${format}` }).expect(201);
    const upload = await sut.http()
      .put(`/bulk-jobs/${job.body.id}/file`)
      .set('Authorization', token)
      .set('Content-Type', format === 'csv' ? 'text/csv' : 'application/x-ndjson')
      .send(content);
    const results = await sut.http().get(`/bulk-jobs/${job.body.id}/results`).set('Authorization', token).buffer(true).parse((res, done) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => done(null, text));
    });
    const lines: ResultLine[] = (results.body as string).split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
    return { id: job.body.id as string, upload, lines };
  }

  it('opens the good rows of a CSV file and reports each row: opened, already opened, conflict or rejected with the reason', async () => {
    const [a, b, child, parent, dup, mine, theirs] = [newIns(), newIns(), newIns(), newIns(), newIns(), newIns(), newIns()];
    await sut.http().post('/records').set('Authorization', agentToken).send(anOpening({ ins: mine })).expect(201);
    await sut.http().post('/records').set('Authorization', `Bearer ${sut.tokenFor(actors.pharmacy())}`).send(anOpening({ ins: theirs })).expect(201);
    const badKey = `${a.slice(0, 13)}${a.slice(13) === '01' ? '02' : '01'}`;
    const file = [
      HEADER,
      csvRow(a), // line 2
      csvRow(badKey), // 3
      csvRow(b, { email: '', mobile: '06 12 34 56 78', emergency: 'non' }), // 4
      csvRow(child, { birthDate: `${new Date().getUTCFullYear() - 4}-06-01`, reps: `${parent}:parent` }), // 5
      csvRow(newIns(), { email: '' }), // 6: no contact
      '', // 7: blank, skipped
      `${dup},ONLY,TWO`, // 8: wrong cell count
      csvRow(dup), // 9
      csvRow(dup), // 10: same INS again in the file
      csvRow(mine), // 11: this agent already opened it
      csvRow(theirs), // 12: a pharmacy opened it
      csvRow(newIns(), { birthDate: `${new Date().getUTCFullYear() - 4}-06-01` }), // 13: minor without representative
    ].join('\n');

    const { id, upload, lines } = await runJob('csv', file);
    expect(upload.status).toBe(200);
    expect(upload.body).toMatchObject({ id, status: 'completed', rowsProcessed: 11, opened: 4, alreadyOpened: 2, conflicts: 1, rejected: 4, progress: 1 });

    const byLine = new Map(lines.map((l) => [l.line, l]));
    expect(lines.map((l) => l.line)).toEqual([2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]);
    expect(byLine.get(2)).toMatchObject({ ins: a, outcome: 'opened' });
    expect(byLine.get(3)).toEqual({ line: 3, ins: badKey, outcome: 'rejected', errors: [{ field: 'ins', reason: `INS key ${badKey.slice(13)} does not match the NIR (expected ${a.slice(13)})` }] });
    expect(byLine.get(4)).toMatchObject({ ins: b, outcome: 'opened' });
    expect(byLine.get(5)).toMatchObject({ ins: child, outcome: 'opened' });
    expect(byLine.get(6)).toMatchObject({ outcome: 'rejected', errors: [{ field: 'email', reason: 'at least one contact (email or mobile) is required for notifications' }] });
    expect(byLine.get(8)).toEqual({ line: 8, ins: dup, outcome: 'rejected', errors: [{ field: '(row)', reason: 'has 3 cells, the header has 13' }] });
    expect(byLine.get(9)).toMatchObject({ ins: dup, outcome: 'opened' });
    expect(byLine.get(10)).toMatchObject({ ins: dup, outcome: 'already-opened', recordId: byLine.get(9)!.recordId });
    expect(byLine.get(11)).toMatchObject({ ins: mine, outcome: 'already-opened' });
    expect(byLine.get(12)).toMatchObject({ ins: theirs, outcome: 'conflict' });
    expect(byLine.get(13)).toMatchObject({ outcome: 'rejected', errors: [{ field: 'legalRepresentatives', reason: 'a minor needs at least one legal representative' }] });
    expect(lines.filter((l) => l.outcome === 'opened').every((l) => typeof l.recordId === 'string')).toBe(true);

    // Same rules as a single opening: the record carries the campaign's consent and the choices of the row.
    const record = await sut.http().get(`/records/${b}`).set('Authorization', agentToken).expect(200);
    expect(record.body).toMatchObject({ contacts: { email: null, mobile: '+33612345678' }, emergency: { emergencyAccess: false, samuAccess: true }, consent: { place: 'campaign 2026', at: consentAt }, opening: { channel: 'cpam-counter' } });

    // One record-opened event per opened row, none for the others; dependant-attached for the child.
    for (const ins of [a, b, child, dup]) expect(await sut.outbox(Topics.RECORD_OPENED, ins)).toHaveLength(1);
    for (const ins of [mine, theirs]) expect(await sut.outbox(Topics.RECORD_OPENED, ins)).toHaveLength(1);
    expect(await sut.outbox(Topics.DEPENDANT_ATTACHED, child)).toHaveLength(1);

    // The result file as CSV.
    const csv = await sut.http().get(`/bulk-jobs/${id}/results?format=csv`).set('Authorization', agentToken).expect(200);
    expect(csv.text.split('\n')[0]).toBe('line,ins,outcome,recordId,error');
    expect(csv.text).toContain(`8,${dup},rejected,,"(row): has 3 cells, the header has 13"`);

    // Replaying the whole file is idempotent: nothing new opened, no new event.
    const before = (await sut.db.query(`SELECT count(*)::int AS n FROM outbox_events`)).rows[0].n;
    const replay = await runJob('csv', file);
    expect(replay.upload.body).toMatchObject({ opened: 0, alreadyOpened: 6, conflicts: 1, rejected: 4 });
    expect((await sut.db.query(`SELECT count(*)::int AS n FROM outbox_events`)).rows[0].n).toBe(before);
  });

  it('settles a person listed twice in batches that run at the same time on one record and one event', async () => {
    const rows = Array.from({ length: 1200 }, () => csvRow(newIns()));
    rows[610] = rows[10]; // batches of 500: lines 12 and 612 fall in the first two batches, which overlap
    const { upload, lines } = await runJob('csv', [HEADER, ...rows].join('\n'));
    expect(upload.body).toMatchObject({ status: 'completed', rowsProcessed: 1200, opened: 1199, alreadyOpened: 1 });
    // The overlapping batches race: either line may win, the other must find the winner's record.
    const twins = lines.filter((l) => l.line === 12 || l.line === 612);
    expect(twins.map((l) => l.outcome).sort()).toEqual(['already-opened', 'opened']);
    expect(twins[0].ins).toBe(twins[1].ins);
    expect(twins[0].recordId).toEqual(expect.any(String));
    expect(twins[0].recordId).toBe(twins[1].recordId);
    expect(await sut.outbox(Topics.RECORD_OPENED, twins[0].ins!)).toHaveLength(1);
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 2));
  });

  it('opens one record and writes one event per person when two jobs listing the same people run at once', async () => {
    const people = Array.from({ length: 1200 }, () => newIns());
    // Opposite orders: the jobs meet in the middle, batch against batch.
    const first = [HEADER, ...people.map((ins) => csvRow(ins))].join('\n');
    const second = [HEADER, ...[...people].reverse().map((ins) => csvRow(ins))].join('\n');

    const [a, b] = await Promise.all([runJob('csv', first), runJob('csv', second)]);

    expect(a.upload.body).toMatchObject({ status: 'completed', rowsProcessed: 1200, conflicts: 0, rejected: 0 });
    expect(b.upload.body).toMatchObject({ status: 'completed', rowsProcessed: 1200, conflicts: 0, rejected: 0 });
    expect(a.upload.body.opened + b.upload.body.opened).toBe(1200);
    const opened = [...a.lines, ...b.lines].filter((l) => l.outcome === 'opened').map((l) => l.ins);
    expect(new Set(opened).size).toBe(1200);
    const events = await sut.db.query(
      `SELECT key, count(*)::int AS n FROM outbox_messages WHERE topic = $1 AND key = ANY($2::text[]) GROUP BY key`,
      [Topics.RECORD_OPENED, people],
    );
    expect(events.rows).toHaveLength(1200);
    expect(events.rows.every((r: { n: number }) => r.n === 1)).toBe(true);
  });

  it('accepts NDJSON rows, the same body as POST /records', async () => {
    const ins = newIns();
    const file = [JSON.stringify(anOpening({ ins })), '{"ins": "oops"', JSON.stringify(anOpening({ cpamCode: '7' }))].join('\n') + '\n';
    const { upload, lines } = await runJob('ndjson', file);
    expect(upload.body).toMatchObject({ status: 'completed', rowsProcessed: 3, opened: 1, rejected: 2 });
    expect(lines[0]).toMatchObject({ line: 1, ins, outcome: 'opened' });
    expect(lines[1]).toMatchObject({ line: 2, outcome: 'rejected', errors: [{ field: '(row)' }] });
    expect(lines[2]).toMatchObject({ line: 3, outcome: 'rejected', errors: [{ field: 'cpamCode', reason: 'CPAM code must have 3 digits, got 1' }] });
  });

  it('refuses a CSV file whose header it cannot read, and marks the job failed', async () => {
    const { id, upload } = await runJob('csv', 'ins;nom\n184127510812345;X\n');
    expect(upload.status).toBe(400);
    expect(upload.body).toMatchObject({ code: 'BULK_FILE_INVALID', errors: [{ field: 'file' }] });
    const job = await sut.http().get(`/bulk-jobs/${id}`).set('Authorization', agentToken).expect(200);
    expect(job.body).toMatchObject({ status: 'failed', failure: expect.stringContaining('unknown CSV column(s) nom') });
  });

  it('refuses a second upload to the same job, and hides a job from other submitters', async () => {
    const { id } = await runJob('csv', `${HEADER}\n${csvRow(newIns())}\n`);
    const again = await sut.http().put(`/bulk-jobs/${id}/file`).set('Authorization', agentToken).set('Content-Type', 'text/csv').send(`${HEADER}\n`).expect(409);
    expect(again.body.code).toBe('BULK_JOB_ALREADY_STARTED');
    await sut.http().get(`/bulk-jobs/${id}`).set('Authorization', `Bearer ${sut.tokenFor(actors.agent())}`).expect(404);
    await sut.http().get(`/bulk-jobs/${id}`).set('Authorization', `Bearer ${sut.tokenFor(actors.operator())}`).expect(200);
  });

  it('shows progress while the file is still streaming in', async () => {
    const job = await sut.http().post('/bulk-jobs').set('Authorization', agentToken).send({ format: 'csv', expectedRows: 1500 }).expect(201);
    const body = new PassThrough();
    const url = new URL(`/bulk-jobs/${job.body.id}/file`, sut.url);
    const finished = new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = httpRequest(url, { method: 'PUT', headers: { Authorization: agentToken, 'Content-Type': 'text/csv' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      body.pipe(req);
    });
    const rows = Array.from({ length: 1500 }, () => csvRow(newIns()));
    body.write(`${HEADER}\n${rows.slice(0, 1000).join('\n')}\n`);

    const running = await waitFor(
      async () => {
        const res = await sut.http().get(`/bulk-jobs/${job.body.id}`).set('Authorization', agentToken);
        return res.body.rowsProcessed >= 500 ? res.body : undefined;
      },
      { timeoutMs: 20_000, message: 'the first batches to be committed' },
    );
    expect(running).toMatchObject({ status: 'running', expectedRows: 1500 });
    expect(running.progress).toBeGreaterThan(0);
    expect(running.progress).toBeLessThan(1);

    body.end(`${rows.slice(1000).join('\n')}\n`);
    const done = await finished;
    expect(done).toMatchObject({ status: 200, body: { status: 'completed', rowsProcessed: 1500, opened: 1500, progress: 1 } });
    expect((await sut.db.query(`SELECT count(*)::int AS n FROM outbox_messages WHERE topic = $1 AND payload->>'correlationId' = $2`, [Topics.RECORD_OPENED, `bulk-${job.body.id}`])).rows[0].n).toBe(1500);
  });
});

