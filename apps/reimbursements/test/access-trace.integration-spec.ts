import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { AccessedEvent, createEvent, Topics } from '@dmp/contracts';
import { AccessMode, AccessTargetKind, ActorRole, Ins } from '@dmp/domain';
import { freePort, testKafkaBrokers } from '@dmp/testing';
import { RelayProducer } from '@dmp/messaging';
import { AccessTraceWriter } from '../src/history/access-trace.writer';
import { aReimbursementsDatabase } from './support/reimbursements-database';
import { accessEvents, topicEndOffsets } from './support/events';
import { anInsForTest } from './support/feed-builder';

function anAccess(ins: string) {
  return createEvent(
    AccessedEvent,
    {
      accessId: randomUUID(),
      ins: ins as Ins,
      accessor: { role: ActorRole.PATIENT, id: ins },
      mode: AccessMode.NORMAL,
      target: { kind: AccessTargetKind.REIMBURSEMENTS, id: 'history' },
      granted: true,
      reasons: ['PATIENT_OWN_RECORD'],
      rulesVersion: 'test',
      at: new Date().toISOString(),
    } as never,
    { producer: 'reimbursements', correlationId: randomUUID() },
  );
}

describe(AccessTraceWriter.name, () => {
  let pool: Pool;
  let close: () => Promise<void>;
  const outboxTraces = async (ins: string): Promise<string[]> =>
    (
      (await pool.query(
        `SELECT payload->>'correlationId' AS id FROM outbox_messages WHERE topic = $1 AND key = $2`,
        [Topics.ACCESSED, ins],
      )) as { rows: { id: string }[] }
    ).rows.map((r) => r.id);

  beforeAll(async () => {
    const { url, dataSource } = await aReimbursementsDatabase('reimbursements_traces');
    pool = new Pool({ connectionString: url, max: 2 });
    close = async () => {
      await pool.end();
      await dataSource.destroy();
    };
  }, 90_000);

  afterAll(async () => {
    await close?.();
  });

  it('has Kafka acknowledge the traces of concurrent reads before they resolve, in groups', async () => {
    const sut = new AccessTraceWriter(
      pool,
      new RelayProducer({
        brokers: testKafkaBrokers(),
        clientId: 'traces-test',
        requestTimeoutMs: 10_000,
      }),
    );
    const ins = anInsForTest();
    const events = Array.from({ length: 12 }, () => anAccess(ins));
    try {
      await Promise.all(events.map((e) => sut.trace(e)));
      const acknowledged = await topicEndOffsets(Topics.ACCESSED);

      const published = (await accessEvents(Topics.ACCESSED, ins, acknowledged)).map(
        (e) => e.correlationId,
      );
      expect([...published].sort()).toEqual(events.map((e) => e.correlationId).sort());
      expect(await outboxTraces(ins)).toEqual([]);
    } finally {
      await sut.close();
    }
  });

  it('commits the traces to the outbox when Kafka does not answer, so the read is still traced', async () => {
    // A port nobody listens on: the connection is refused.
    const deadBroker = `127.0.0.1:${await freePort()}`;
    const sut = new AccessTraceWriter(
      pool,
      new RelayProducer({
        brokers: [deadBroker],
        clientId: 'traces-test',
        requestTimeoutMs: 1_000,
      }),
      { fallbackMs: 60_000 },
    );
    const ins = anInsForTest();
    const events = Array.from({ length: 3 }, () => anAccess(ins));
    try {
      await sut.trace(events[0]);
      await Promise.all(events.slice(1).map((e) => sut.trace(e)));

      expect((await outboxTraces(ins)).sort()).toEqual(events.map((e) => e.correlationId).sort());
    } finally {
      await sut.close();
    }
  });
});
