import { Consumer, Kafka, logLevel } from 'kafkajs';
import { Topics } from '@dmp/contracts';
import { ReadinessService } from '@dmp/observability';
import { anOperator, authHeader, startTestApp, testConfig, testKafkaBrokers, waitFor, type TestApp } from '@dmp/testing';
import { ReferenceAppModule } from './support/reference-app.module';
import { ReferenceConfig } from './support/reference.config';

describe('heartbeat and readiness', () => {
  let sut: TestApp;
  let consumer: Consumer;
  const heartbeats: Array<{ key: string; envelope: Record<string, unknown> }> = [];

  beforeAll(async () => {
    const config = await testConfig(ReferenceConfig, { HEARTBEAT_INTERVAL_MS: '200' });
    sut = await startTestApp(ReferenceAppModule.forRoot(config), config);
    // Built here, not at collection time: the file's broker address is known only from beforeAll on.
    const kafka = new Kafka({ clientId: 'heartbeat-test', brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `heartbeat-test-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.HEARTBEAT, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        heartbeats.push({ key: message.key?.toString() ?? '', envelope: JSON.parse(message.value!.toString()) as Record<string, unknown> });
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await sut?.stop();
  });

  it('publishes heartbeats carrying service, instance, version and readiness', async () => {
    const mine = await waitFor(
      () => heartbeats.find((h) => (h.envelope['payload'] as Record<string, unknown>)['instance'] === sut.config.INSTANCE_ID && (h.envelope['payload'] as Record<string, unknown>)['ready'] === true),
      { timeoutMs: 20_000, message: 'a heartbeat from the reference service' },
    );

    expect(mine.envelope).toMatchObject({
      type: expect.any(String),
      producer: 'reference',
      payload: { service: 'reference', instance: sut.config.INSTANCE_ID, version: expect.any(String), startedAt: expect.any(String), ready: true },
    });
  });

  it('adds the HTTP counts, the events handled and failed and the outbox backlog to its heartbeats', async () => {
    const refused = await fetch(`${sut.url}/widgets/00000000-0000-4000-8000-000000000000`);
    const sentAfter = Date.now();

    const mine = await waitFor(
      () =>
        heartbeats.find((h) => {
          const p = h.envelope['payload'] as Record<string, unknown>;
          return p['instance'] === sut.config.INSTANCE_ID && Date.parse(String(h.envelope['occurredAt'])) > sentAfter && Number(p['http4xx']) >= 1;
        }),
      { timeoutMs: 20_000, message: 'a heartbeat counting the refused request' },
    );

    expect(refused.status).toBe(401);
    expect(mine.envelope['payload']).toMatchObject({
      httpRequests: expect.any(Number),
      http5xx: 0,
      eventsHandled: expect.any(Number),
      eventsFailed: 0,
      outboxBacklog: expect.any(Number),
    });
  });

  it('reports an indicator a service registers, and turns not ready when it fails', async () => {
    let cacheWarm = true;
    sut.app.get(ReadinessService).register('cache', () => ({ up: cacheWarm, details: { warm: cacheWarm } }));

    const before = await fetch(`${sut.url}/health/ready`);
    cacheWarm = false;
    const after = await fetch(`${sut.url}/health/ready`);

    expect(before.status).toBe(200);
    expect(after.status).toBe(503);
    expect(await after.json()).toMatchObject({ status: 'error', error: { cache: { status: 'down', warm: false } } });
  });

  it('exposes the build info and instance readiness gauges on /metrics', async () => {
    await fetch(`${sut.url}/widgets/00000000-0000-4000-8000-000000000000`, { headers: authHeader(anOperator().build()) });

    const text = await (await fetch(`${sut.url}/metrics`)).text();

    expect(text).toContain(`dmp_build_info{service="reference",instance="${sut.config.INSTANCE_ID}"`);
    expect(text).toContain('dmp_instance_ready');
  });
});
