import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  FileAnnouncedEvent,
  ProfessionalAuthorisedEvent,
  RecordOpenedEvent,
  Topics,
} from '@dmp/contracts';
import { ActorRole, Ins, Profession, Rpps } from '@dmp/domain';
import { startTestApp, testConfig, TestApp, tokenFor, waitFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { ReimbursementsConfig } from '../src/config';
import {
  ensurePartitions,
  monthsOfQuarter,
  partitionName,
  quarterOf,
} from '../src/import/partitions';
import { addMonthsToYyyymm, careWindow } from '../src/feed/care-window';
import {
  accessEvents,
  EventProducer,
  fileAnnounced,
  professionalAuthorised,
  recordOpened,
  topicEndOffsets,
} from './support/events';
import { aLine, aRpps, aTempDir, anInsForTest, monthsAgo, writeFeed } from './support/feed-builder';

interface FileProgressBody {
  status: string;
  refusalReason: string | null;
  linesDone: number;
  counts: {
    imported: number;
    duplicates: number;
    rejected: number;
    unknownPatient: number;
    outOfWindow: number;
  };
}

describe('reimbursements service', () => {
  let app: TestApp;
  let dataSource: DataSource;
  let producer: EventProducer;
  let dropDir: string;
  const patient = anInsForTest();
  const operator = tokenFor({ role: ActorRole.OPERATOR, operatorId: 'ops-1' });
  const pipeline = tokenFor({ role: ActorRole.INSURER_PIPELINE, pipelineId: 'cnam-batch' });
  const patientToken = tokenFor({ role: ActorRole.PATIENT, ins: patient as Ins });

  const outbox = async (topic: string, key: string) =>
    (await dataSource.query(
      'SELECT payload FROM outbox_messages WHERE topic = $1 AND key = $2 ORDER BY id, position',
      [topic, key],
    )) as { payload: { payload: Record<string, unknown> } }[];

  const fileWhen = async (
    fileId: string,
    done: (body: FileProgressBody) => boolean,
  ): Promise<FileProgressBody> => {
    let last: FileProgressBody | null = null;
    await waitFor(
      async () => {
        const res = await request(app.url)
          .get(`/imports/files/${fileId}`)
          .set('authorization', `Bearer ${pipeline}`);
        if (res.status !== 200) return false;
        last = res.body as FileProgressBody;
        return done(last);
      },
      { timeoutMs: 30_000, intervalMs: 100, message: `file ${fileId}` },
    );
    return last as unknown as FileProgressBody;
  };
  const completed = (fileId: string) =>
    fileWhen(fileId, (b) => b.status === 'completed' || b.status === 'refused');

  beforeAll(async () => {
    dropDir = aTempDir('reimbursements-drop-');
    const config = await testConfig(ReimbursementsConfig, {
      REIMBURSEMENTS_DROP_DIR: dropDir,
      REIMBURSEMENTS_SPOOL_DIR: aTempDir('reimbursements-spool-'),
      REIMBURSEMENTS_POLL_MS: '100',
      REIMBURSEMENTS_BATCH_LINES: '2',
    });
    app = await startTestApp(AppModule.forRoot(config), config);
    dataSource = app.app.get(DataSource);
    producer = await EventProducer.connect();
    await producer.publish(RecordOpenedEvent, recordOpened(patient));
    await waitFor(
      async () =>
        (
          (await dataSource.query(
            'SELECT 1 FROM reimbursement_open_records WHERE ins = $1 AND is_open',
            [patient],
          )) as unknown[]
        ).length === 1,
      {
        timeoutMs: 30_000,
        message: 'the record-opened event to be consumed',
      },
    );
  }, 90_000);

  afterAll(async () => {
    await producer?.disconnect();
    await app?.stop();
  });

  it('asks the insurer for the 24-month backfill when a record opens', async () => {
    const requests = await outbox(Topics.BACKFILL_REQUESTS, patient);

    expect(requests).toHaveLength(1);
    expect(requests[0].payload.payload).toMatchObject({
      ins: patient,
      trigger: 'record-opened',
      from: `${monthsAgo(24).slice(0, 7)}-01`,
      to: new Date().toISOString().slice(0, 10),
    });
  });

  it('imports a file dropped in the watched folder, then archives it', async () => {
    const feed = writeFeed(dropDir, [
      aLine(patient, monthsAgo(1)),
      aLine(patient, monthsAgo(2)),
      aLine(anInsForTest(), monthsAgo(2)),
      aLine(patient, monthsAgo(26)),
    ]);

    const body = await completed(feed.fileId);

    expect(body).toMatchObject({
      status: 'completed',
      linesDone: 4,
      counts: { imported: 2, unknownPatient: 1, outOfWindow: 1, rejected: 0, duplicates: 0 },
    });
    await waitFor(() => existsSync(join(dropDir, 'done', `${feed.fileId}.csv`)), {
      timeoutMs: 10_000,
      message: 'the file to be archived',
    });
    const events = (await outbox(Topics.FILE_IMPORTED, feed.fileId)).map((e) => e.payload.payload);
    expect(events).toEqual([
      expect.objectContaining({
        status: 'completed',
        counts: {
          read: 4,
          imported: 2,
          duplicates: 0,
          rejected: 0,
          unknownPatient: 1,
          outOfWindow: 1,
        },
      }),
    ]);
  });

  it('waits for a complete sidecar before taking a dropped file', async () => {
    // The insurer writes this sidecar in place: seen empty, then cut short, then whole.
    const slow = writeFeed(dropDir, [aLine(patient, monthsAgo(4))], { sidecar: false });
    const sidecar = `${slow.path}.sha256`;
    writeFileSync(sidecar, '');
    const first = writeFeed(dropDir, [aLine(patient, monthsAgo(4))]);
    await completed(first.fileId);
    writeFileSync(sidecar, slow.sha256.slice(0, 20));
    const second = writeFeed(dropDir, [aLine(patient, monthsAgo(4))]);
    await completed(second.fileId);

    // Each of those imports followed a scan of the folder that saw the unfinished sidecar.
    expect(existsSync(slow.path)).toBe(true);
    writeFileSync(sidecar, `${slow.sha256}  ${slow.fileId}.csv\n`);
    const body = await completed(slow.fileId);
    expect(body).toMatchObject({ status: 'completed', counts: { imported: 1 } });
  });

  it('refuses a dropped file whose checksum does not match and quarantines it', async () => {
    const feed = writeFeed(dropDir, [aLine(patient, monthsAgo(3))], { sidecar: false });
    writeFileSync(`${feed.path}.sha256`, `${'0'.repeat(64)}  ${feed.fileId}.csv\n`);

    const body = await completed(feed.fileId);

    expect(body.status).toBe('refused');
    expect(body.refusalReason).toMatch(/sha256 mismatch/);
    await waitFor(() => existsSync(join(dropDir, 'quarantine', `${feed.fileId}.csv`)), {
      timeoutMs: 10_000,
      message: 'the file to be quarantined',
    });
  });

  it('imports a file streamed over HTTP and reports its rejects by line number', async () => {
    const feed = writeFeed(
      aTempDir(),
      [
        aLine(patient, monthsAgo(4)),
        aLine(patient, monthsAgo(4), { quantity: '0' }),
        aLine(patient, monthsAgo(5)),
      ],
      { gzip: true },
    );

    const res = await request(app.url)
      .post('/imports')
      .set('authorization', `Bearer ${pipeline}`)
      .set('content-type', 'application/gzip')
      .set('x-content-sha256', feed.sha256)
      .send(readFileSync(feed.path));
    const body = await completed(feed.fileId);
    const rejects = await request(app.url)
      .get(`/imports/files/${feed.fileId}/rejects`)
      .set('authorization', `Bearer ${pipeline}`);

    expect(res.status).toBe(202);
    expect(body.counts).toMatchObject({ imported: 2, rejected: 1 });
    expect(rejects.body).toEqual({
      rejects: [{ lineNo: 2, reason: 'quantity: must be an integer from 1 to 9999' }],
    });
    const queued = await request(app.url)
      .get(`/imports/queue/${(res.body as { queueId: string }).queueId}`)
      .set('authorization', `Bearer ${pipeline}`);
    expect(queued.body).toMatchObject({
      status: 'done',
      outcome: 'completed',
      file_id: feed.fileId,
    });
  });

  it('answers 400 naming the header when an upload comes without its sha256', async () => {
    const res = await request(app.url)
      .post('/imports')
      .set('authorization', `Bearer ${pipeline}`)
      .set('content-type', 'application/octet-stream')
      .send(Buffer.from('x'));

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'CHECKSUM_REQUIRED',
      errors: [{ field: 'x-content-sha256' }],
    });
  });

  it('refuses uploads from a patient', async () => {
    const res = await request(app.url)
      .post('/imports')
      .set('authorization', `Bearer ${patientToken}`)
      .set('x-content-sha256', 'a'.repeat(64))
      .send('x');

    expect(res.status).toBe(403);
  });

  it('imports a file announced on the control topic, checking the announced line count', async () => {
    const dir = aTempDir();
    const good = writeFeed(dir, [aLine(patient, monthsAgo(6))], { sidecar: false });
    const miscounted = writeFeed(dir, [aLine(patient, monthsAgo(6))], { sidecar: false });

    await producer.publish(
      FileAnnouncedEvent,
      fileAnnounced(good.fileId, `file://${good.path}`, good.sha256, 1),
    );
    await producer.publish(
      FileAnnouncedEvent,
      fileAnnounced(miscounted.fileId, miscounted.path, miscounted.sha256, 7),
    );

    expect(await completed(good.fileId)).toMatchObject({
      status: 'completed',
      counts: { imported: 1 },
    });
    expect(await completed(miscounted.fileId)).toMatchObject({
      status: 'refused',
      refusalReason: 'line count mismatch: 7 announced, the file has 1',
    });
  });

  it("serves the patient's history with totals per month, filtered and paginated, and traces every read", async () => {
    const reader = anInsForTest();
    await producer.publish(RecordOpenedEvent, recordOpened(reader));
    await waitFor(
      async () =>
        (
          (await dataSource.query('SELECT 1 FROM reimbursement_consent_states WHERE ins = $1', [
            reader,
          ])) as unknown[]
        ).length === 1,
      { timeoutMs: 30_000 },
    );
    const drug = aLine(reader, monthsAgo(1, 9), {
      codingSystem: 'CIP13',
      code: '3400930000014',
      label: 'Amoxicilline 500 mg, "générique" \\ boîte',
      prescriber: aRpps(),
      quantity: '2',
      charged: '700',
      reimbursed: '455',
    });
    const feed = writeFeed(dropDir, [
      aLine(reader, monthsAgo(1, 5)),
      drug,
      aLine(reader, monthsAgo(3, 2)),
    ]);
    await completed(feed.fileId);
    const token = tokenFor({ role: ActorRole.PATIENT, ins: reader as Ins });

    const all = await request(app.url)
      .get(`/patients/${reader}/reimbursements`)
      .set('authorization', `Bearer ${token}`);
    const drugs = await request(app.url)
      .get(`/patients/${reader}/reimbursements?codingSystem=cip13`)
      .set('authorization', `Bearer ${token}`);
    const page2 = await request(app.url)
      .get(`/patients/${reader}/reimbursements?pageSize=2&page=2`)
      .set('authorization', `Bearer ${token}`);
    const recent = await request(app.url)
      .get(`/patients/${reader}/reimbursements?from=${monthsAgo(2)}`)
      .set('authorization', `Bearer ${token}`);

    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ ins: reader, total: 3, page: 1 });
    expect(all.body.lines.map((l: { careDate: string }) => l.careDate)).toEqual([
      monthsAgo(1, 9),
      monthsAgo(1, 5),
      monthsAgo(3, 2),
    ]);
    expect(all.body.months).toEqual([
      { month: monthsAgo(1).slice(0, 7), lines: 2, chargedCents: 3700, reimbursedCents: 2555 },
      { month: monthsAgo(3).slice(0, 7), lines: 1, chargedCents: 3000, reimbursedCents: 2100 },
    ]);
    expect(drugs.body.lines).toEqual([
      {
        lineId: drug.lineId,
        careDate: drug.careDate,
        codingSystem: 'cip13',
        code: '3400930000014',
        label: 'Amoxicilline 500 mg, "générique" \\ boîte',
        quantity: 2,
        prescriber: drug.prescriber,
        performer: drug.performer,
        chargedCents: 700,
        reimbursedCents: 455,
      },
    ]);
    expect(all.body.lines[2]).toMatchObject({ prescriber: null, codingSystem: 'ngap' });
    expect(page2.body.lines).toHaveLength(1);
    expect(recent.body.total).toBe(2);
    // Sent straight to Kafka, acknowledged before each answer: none went through the outbox.
    const traces = (await accessEvents(Topics.ACCESSED, reader)).map((e) => e.payload);
    expect(traces).toHaveLength(4);
    expect(await outbox(Topics.ACCESSED, reader)).toEqual([]);
    expect(traces[0]).toMatchObject({
      ins: reader,
      granted: true,
      accessor: { role: 'patient', id: reader },
      target: { kind: 'reimbursements', id: 'history' },
    });
  });

  it('lets a professional read only once authorised, and traces the refusal too', async () => {
    const rpps = aRpps();
    const physician = tokenFor({
      role: ActorRole.PROFESSIONAL,
      rpps: rpps as Rpps,
      profession: Profession.PHYSICIAN,
    });

    const before = await request(app.url)
      .get(`/patients/${patient}/reimbursements`)
      .set('authorization', `Bearer ${physician}`);
    await producer.publish(ProfessionalAuthorisedEvent, professionalAuthorised(patient, rpps));
    let after: request.Response | null = null;
    await waitFor(
      async () => {
        after = await request(app.url)
          .get(`/patients/${patient}/reimbursements`)
          .set('authorization', `Bearer ${physician}`);
        return after.status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'the authorisation to reach the service' },
    );

    expect(before.status).toBe(403);
    expect(before.body).toMatchObject({ code: 'ACCESS_REFUSED' });
    expect((after as unknown as request.Response).body.total).toBeGreaterThan(0);
    const traces = (await accessEvents(Topics.ACCESSED, patient)).map((e) => e.payload);
    expect(traces[0]).toMatchObject({
      granted: false,
      accessor: { role: 'professional', id: rpps, profession: 'physician' },
    });
    expect(traces[traces.length - 1]).toMatchObject({ granted: true });
  });

  it('has the access event of every concurrent read acknowledged by Kafka before the read is answered', async () => {
    const correlationIds = Array.from({ length: 24 }, (_, i) => `group-commit-${i}-${Date.now()}`);

    const responses = await Promise.all(
      correlationIds.map((id) =>
        request(app.url)
          .get(`/patients/${patient}/reimbursements?pageSize=1`)
          .set('authorization', `Bearer ${patientToken}`)
          .set('x-correlation-id', id),
      ),
    );
    // No wait: the traces must already be below the topic's end offsets when the answers are.
    const acknowledged = await topicEndOffsets(Topics.ACCESSED);
    const ids = (await accessEvents(Topics.ACCESSED, patient, acknowledged)).map(
      (e) => e.correlationId,
    );

    expect(responses.map((r) => r.status)).toEqual(correlationIds.map(() => 200));
    for (const id of correlationIds) expect(ids.filter((i) => i === id)).toHaveLength(1);
  });

  it('answers 400 for a bad INS or a bad filter, never 500', async () => {
    const badIns = await request(app.url)
      .get(`/patients/123/reimbursements`)
      .set('authorization', `Bearer ${patientToken}`);
    const badSystem = await request(app.url)
      .get(`/patients/${patient}/reimbursements?codingSystem=atc`)
      .set('authorization', `Bearer ${patientToken}`);
    const badDate = await request(app.url)
      .get(`/patients/${patient}/reimbursements?from=2025-02-30`)
      .set('authorization', `Bearer ${patientToken}`);

    expect(badIns.status).toBe(400);
    expect(badIns.body).toMatchObject({ code: 'INVALID_INS', errors: [{ field: 'ins' }] });
    expect(badSystem.status).toBe(400);
    expect(JSON.stringify(badSystem.body)).toMatch(/codingSystem/);
    expect(badDate.status).toBe(400);
    expect(badDate.body).toMatchObject({ errors: [{ field: 'from' }] });
  });

  it('purges the quarters that left the 24-month window whole by dropping their partitions', async () => {
    const window = careWindow(new Date());
    // The last month of the quarter before the one the window starts in.
    const oldMonth = addMonthsToYyyymm(quarterOf(window.startMonth), -1);
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await ensurePartitions(runner, [oldMonth]);
    } finally {
      await runner.release();
    }
    await dataSource.query(
      `INSERT INTO reimbursement_lines VALUES ($1, $2, $3, 'NGAP', 'G', 'Consultation', 1, NULL, '10000000006', 3000, 2100)`,
      [
        oldMonth * 10_000_000_000 + 1,
        patient,
        `${Math.floor(oldMonth / 100)}-${String(oldMonth % 100).padStart(2, '0')}-10`,
      ],
    );
    const inWindowBefore = Number(
      (
        (await dataSource.query(
          `SELECT count(*) AS n FROM reimbursement_lines WHERE ins = $1 AND line_id >= $2`,
          [patient, window.startMonth * 10_000_000_000],
        )) as { n: string }[]
      )[0].n,
    );

    const res = await request(app.url)
      .post('/imports/purge')
      .set('authorization', `Bearer ${operator}`);

    expect(res.status).toBe(200);
    expect(res.body.droppedPartitions).toEqual([partitionName(oldMonth)]);
    expect(res.body.droppedMonths).toEqual(monthsOfQuarter(quarterOf(oldMonth)));
    const partitions = (await dataSource.query(
      `SELECT relname FROM pg_class WHERE relname = ANY($1) ORDER BY relname`,
      [[partitionName(oldMonth), partitionName(window.startMonth)]],
    )) as { relname: string }[];
    // The window's first quarter stays, whatever months before the window it also covers.
    expect(partitions.map((p) => p.relname)).toEqual([partitionName(window.startMonth)]);
    const inWindowAfter = Number(
      (
        (await dataSource.query(`SELECT count(*) AS n FROM reimbursement_lines WHERE ins = $1`, [
          patient,
        ])) as { n: string }[]
      )[0].n,
    );
    expect(inWindowAfter).toBe(inWindowBefore);
  });

  it('exposes import progress and outcomes on /metrics', async () => {
    const res = await request(app.url).get('/metrics');

    expect(res.text).toMatch(/reimbursements_import_files_total\{outcome="completed"\} [1-9]/);
    expect(res.text).toMatch(/reimbursements_import_lines_total\{outcome="imported"\} [1-9]/);
  });
});
