import { randomUUID } from 'node:crypto';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { createEvent, HeartbeatEvent, HeartbeatPayload, serializeEvent, Topics } from '@dmp/contracts';
import { DLQ_HEADERS } from '@dmp/messaging';
import { aPatient, anOperator, startTestApp, TestApp, testConfig, testKafkaBrokers, tokenFor, waitFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { AnalyticsConfig } from '../src/config';
import { OpsEventsConsumer } from '../src/ops/ops-events.consumer';
import type { OpsStatusDocument } from '../src/ops/ops-status.service';

// Heartbeats, dead letters and consumer lag through the real broker into the real database,
// read back through GET /ops/status. The file has a broker of its own (file-broker.setup).
describe('analytics ops status', () => {
  let sut: TestApp;
  let kafka: Kafka;
  let producer: Producer;
  let admin: Admin;
  const operator = tokenFor(anOperator());
  const run = randomUUID().slice(0, 8);

  function heartbeat(payload: Partial<HeartbeatPayload> & { service: string; instance: string }, occurredAt = new Date().toISOString()) {
    return serializeEvent(
      createEvent(
        HeartbeatEvent,
        { version: '1.2.3', startedAt: '2026-11-23T08:00:00.000Z', ready: true, uptimeSeconds: 60, ...payload },
        { producer: payload.service, correlationId: `heartbeat-${payload.instance}`, occurredAt },
      ),
    );
  }

  function deadLetter(sourceTopic: string, reason: string) {
    return {
      key: 'k',
      value: Buffer.from('{"not":"an envelope"}'),
      headers: { [DLQ_HEADERS.ORIGINAL_TOPIC]: sourceTopic, [DLQ_HEADERS.REASON]: reason, [DLQ_HEADERS.AT]: new Date().toISOString() },
    };
  }

  async function status(): Promise<OpsStatusDocument> {
    const response = await fetch(`${sut.url}/ops/status`, { headers: { authorization: `Bearer ${operator}` } });
    if (response.status !== 200) throw new Error(`/ops/status: ${response.status} ${await response.text()}`);
    return (await response.json()) as OpsStatusDocument;
  }

  beforeAll(async () => {
    const config = await testConfig(AnalyticsConfig, {
      HEARTBEAT_INTERVAL_MS: '1000',
      ANALYTICS_OPS_DOWN_AFTER_HEARTBEATS: '3',
      ANALYTICS_OPS_LAG_POLL_MS: '500',
      ANALYTICS_OPS_SERVICES: `analytics,documents-${run}`,
    });
    sut = await startTestApp(AppModule.forRoot(config), config);
    kafka = new Kafka({ clientId: 'ops-test', brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });
    producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
    await waitFor(() => sut.app.get(OpsEventsConsumer).isJoined, { timeoutMs: 30_000, message: 'the ops consumer joined its group' });
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await sut?.stop();
  });

  it('refuses the status without an operator token', async () => {
    const anonymous = await fetch(`${sut.url}/ops/status`);
    const patient = await fetch(`${sut.url}/ops/status`, { headers: { authorization: `Bearer ${tokenFor(aPatient())}` } });

    expect(anonymous.status).toBe(401);
    expect(patient.status).toBe(403);
  });

  it('lists analytics itself as up from its own heartbeats', async () => {
    const analytics = await waitFor(async () => (await status()).services.find((s) => s.service === 'analytics' && s.state === 'up'), {
      timeoutMs: 20_000,
      message: 'analytics up',
    });

    expect(analytics.instances[0]).toMatchObject({ instance: sut.config.INSTANCE_ID, ready: true, httpRequests: expect.any(Number), outboxBacklog: expect.any(Number) });
  });

  it('derives rates from two heartbeats and reports the running imports', async () => {
    const service = `documents-${run}`;
    const t0 = Date.now() - 2_000;
    await producer.send({
      topic: Topics.HEARTBEAT,
      messages: [heartbeat({ service, instance: 'd-1', httpRequests: 100, http4xx: 10, http5xx: 0, eventsHandled: 1_000, eventsFailed: 0, outboxBacklog: 7 }, new Date(t0).toISOString())],
    });
    await producer.send({
      topic: Topics.HEARTBEAT,
      messages: [
        heartbeat(
          {
            service,
            instance: 'd-1',
            httpRequests: 300,
            http4xx: 14,
            http5xx: 2,
            eventsHandled: 3_000,
            eventsFailed: 1,
            outboxBacklog: 5,
            imports: [{ fileId: `RA-${run}`, linesDone: 300, totalLines: 1_200, linesPerSecond: 150, etaSeconds: 6 }],
          },
          new Date(t0 + 2_000).toISOString(),
        ),
      ],
    });

    const documents = await waitFor(async () => (await status()).services.find((s) => s.service === service && s.httpPerSecond !== null), {
      timeoutMs: 20_000,
      message: 'the two heartbeats applied',
    });
    const after = await status();

    expect(documents).toMatchObject({ state: 'up', instancesUp: 1, versions: ['1.2.3'], httpPerSecond: 100, http4xxPerSecond: 2, http5xxPerSecond: 1, eventsPerSecond: 1_000, failedPerSecond: 0.5, outboxBacklog: 5 });
    expect(after.imports).toContainEqual({ fileId: `RA-${run}`, linesDone: 300, totalLines: 1_200, linesPerSecond: 150, etaSeconds: 6, service, instance: 'd-1', progress: 0.25 });
  });

  it('ignores a heartbeat older than the one it holds (late or replayed)', async () => {
    const service = `documents-${run}`;
    await producer.send({ topic: Topics.HEARTBEAT, messages: [heartbeat({ service, instance: 'd-late', httpRequests: 50 })] });
    await waitFor(async () => (await status()).services.find((s) => s.service === service)?.instances.some((i) => i.instance === 'd-late'), { timeoutMs: 20_000 });
    await producer.send({ topic: Topics.HEARTBEAT, messages: [heartbeat({ service, instance: 'd-late', httpRequests: 1, ready: false }, new Date(Date.now() - 60_000).toISOString())] });
    // A marker heartbeat after the late one: once it is applied, the late one was read too.
    await producer.send({ topic: Topics.HEARTBEAT, messages: [heartbeat({ service, instance: `marker-${run}`, httpRequests: 0 })] });
    await waitFor(async () => (await status()).services.find((s) => s.service === service)?.instances.some((i) => i.instance === `marker-${run}`), { timeoutMs: 20_000 });

    const late = (await status()).services.find((s) => s.service === service)!.instances.find((i) => i.instance === 'd-late')!;

    expect(late).toMatchObject({ ready: true, httpRequests: 50 });
  });

  it('shows an instance whose heartbeats stopped as down once the allowed intervals passed', async () => {
    const service = `silent-${run}`;
    await producer.send({ topic: Topics.HEARTBEAT, messages: [heartbeat({ service, instance: 's-1' }, new Date(Date.now() - 3_500).toISOString())] });

    const silent = await waitFor(async () => (await status()).services.find((s) => s.service === service), { timeoutMs: 20_000, message: 'the silent service listed' });

    expect(silent).toMatchObject({ state: 'down', instancesUp: 0, instancesKnown: 1 });
    expect(silent.instances[0]).toMatchObject({ state: 'silent', heartbeatAgeSeconds: expect.any(Number) });
    expect(silent.instances[0]!.heartbeatAgeSeconds).toBeGreaterThan(3);
  });

  it('counts dead letters by source topic and reason, and a redelivered batch changes nothing', async () => {
    const source = `dmp.test-${run}.v1`;
    await producer.send({
      topic: Topics.DEAD_LETTER,
      messages: [
        deadLetter(source, 'payload.ins: key 123456 does not match'),
        deadLetter(source, 'payload.ins: key 654321 does not match'),
        deadLetter(source, 'handler failed 5 times: deadlock detected'),
      ],
    });
    const counted = await waitFor(
      async () => {
        const s = await status();
        return s.deadLetters.bySourceTopic.find((d) => d.sourceTopic === source && d.count === 3) ? s : undefined;
      },
      { timeoutMs: 20_000, message: 'three dead letters counted' },
    );
    // Redeliver what the broker holds (a rebalance or a crash before the commit): read it back and apply it again.
    const messages = await readTopic(Topics.DEAD_LETTER);
    for (const [partition, batch] of messages) await sut.app.get(OpsEventsConsumer).apply({ topic: Topics.DEAD_LETTER, partition, messages: batch });
    const after = await status();

    expect(counted.deadLetters.byReason.filter((r) => r.sourceTopic === source).map((r) => [r.reason, r.count])).toEqual([
      ['payload.ins: key <n> does not match', 2],
      ['handler failed 5 times: deadlock detected', 1],
    ]);
    expect(after.deadLetters.bySourceTopic.find((d) => d.sourceTopic === source)?.count).toBe(3);
  });

  it('measures the lag of every consumer group from its committed offsets', async () => {
    const topic = `ops-lag-${run}`;
    const groupId = `lag-test-${run}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    // Reads four messages and commits after them, then stops: 6 left behind.
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        if (seen >= 4) return;
        seen++;
        if (seen === 4) await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
      },
    });
    await waitFor(() => seen >= 4, { timeoutMs: 20_000, message: 'four messages read' });
    await consumer.disconnect();

    const lag = await waitFor(async () => (await status()).consumerLag.find((l) => l.groupId === groupId && l.topic === topic && l.lag === 6), {
      timeoutMs: 20_000,
      message: 'the lag of the test group measured',
    });

    expect(lag).toMatchObject({ partitions: 1, lag: 6 });
  });

  it('exports its heartbeat-based view on /metrics for Prometheus', async () => {
    const source = `dmp.metrics-${run}.v1`;
    await producer.send({ topic: Topics.DEAD_LETTER, messages: [deadLetter(source, 'invalid payload')] });
    await waitFor(async () => (await status()).deadLetters.bySourceTopic.some((d) => d.sourceTopic === source), { timeoutMs: 20_000 });

    const text = await waitFor(
      async () => {
        const body = await (await fetch(`${sut.url}/metrics`)).text();
        return body.includes('dmp_ops_service_up{service="analytics"} 1') ? body : undefined;
      },
      { timeoutMs: 20_000, message: 'analytics up on /metrics' },
    );

    expect(text).toContain(`dmp_ops_dead_letters{source_topic="${source}"} 1`);
    expect(text).toContain(`dmp_ops_heartbeat_age_seconds{service="analytics",instance="${sut.config.INSTANCE_ID}"}`);
    expect(text).toMatch(/# TYPE dmp_ops_consumer_lag gauge/);
  });

  async function readTopic(topic: string): Promise<Map<number, Array<{ offset: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer>; timestamp: string; attributes: number }>>> {
    const ends = await admin.fetchTopicOffsets(topic);
    const expected = ends.reduce((n, e) => n + Number(e.high) - Number(e.low), 0);
    const out = new Map<number, Array<{ offset: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer>; timestamp: string; attributes: number }>>();
    const reader = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    let read = 0;
    await reader.run({
      eachMessage: async ({ partition, message }) => {
        out.set(partition, [...(out.get(partition) ?? []), message as never]);
        read++;
      },
    });
    await waitFor(() => read >= expected, { timeoutMs: 20_000, message: `${expected} messages read back` });
    await reader.disconnect();
    return out;
  }
});
