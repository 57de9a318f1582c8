import { Injectable, INestApplicationContext, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventEnvelope, HeartbeatPayload } from '@dmp/contracts';
import { createDataSourceOptions, findSchemaDrift } from '@dmp/persistence';
import { createTestDatabase, testKafkaBrokers, waitFor } from '@dmp/testing';
import { DataSource, EntityManager } from 'typeorm';
import {
  findOutboxBacklog,
  HandleEvent,
  messagingEntities,
  messagingMetrics,
  messagingMigrations,
  MessagingModule,
  MessagingRuntime,
  OutboxService,
  startMessaging,
} from '@dmp/messaging';
import {
  effectCount,
  openDatabase,
  TEST_SCHEMA_TOPIC,
  testEvent,
  uniqueTopic,
} from './support/messaging-harness';

const topic = uniqueTopic('module');

@Injectable()
class EffectsHandler {
  @HandleEvent(topic, { schemaTopic: TEST_SCHEMA_TOPIC })
  async onEvent(envelope: EventEnvelope<HeartbeatPayload>, manager: EntityManager): Promise<void> {
    await manager.query('INSERT INTO test_effects (event_id, key, seq) VALUES ($1, $2, $3)', [
      envelope.eventId,
      envelope.key,
      envelope.payload.uptimeSeconds,
    ]);
  }
}

@Module({ providers: [EffectsHandler] })
class FeatureModule {}

describe(MessagingModule.name, () => {
  let url: string;
  let app: INestApplicationContext;

  beforeAll(async () => {
    url = await createTestDatabase('messaging_module');
    // Migrations and the effects table, as a service's boot would have done.
    await (await openDatabase(url)).destroy();
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot(
          createDataSourceOptions({
            url,
            entities: messagingEntities,
            migrations: messagingMigrations,
            serviceName: 'module-test',
          }),
        ),
        MessagingModule.forRoot({
          serviceName: `module-test-${topic.slice(-8)}`,
          brokers: testKafkaBrokers(),
          relay: { pollIntervalMs: 500 },
          consumer: { lagRefreshMs: 200 },
        }),
        FeatureModule,
      ],
    }).compile();
    app = await moduleRef.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('leaves no schema drift: the migrations describe the entities exactly', async () => {
    const dataSource = app.get(DataSource);

    expect(await findSchemaDrift(dataSource)).toEqual([]);
  });

  it('starts nothing before startMessaging: consumption waits until the app is ready', () => {
    const runtime = app.get(MessagingRuntime);

    expect(runtime.eventConsumer).toBeNull();
    expect(runtime.relay.isRunning).toBe(false);
  });

  it('relays an event appended in a transaction to the @HandleEvent method of another module, once', async () => {
    await startMessaging(app);
    const runtime = app.get(MessagingRuntime);
    await runtime.eventConsumer!.waitUntilJoined();
    const dataSource = app.get(DataSource);
    const outbox = app.get(OutboxService);
    const events = [testEvent(1), testEvent(2), testEvent(3, 'patient-2')];

    await dataSource.transaction((manager) => outbox.append(manager, events, topic));

    await waitFor(async () => (await effectCount(dataSource)) === 3, {
      timeoutMs: 20_000,
      message: '3 effects',
    });
    await waitFor(async () => (await findOutboxBacklog(dataSource)) === 0, {
      timeoutMs: 20_000,
      message: 'outbox marked',
    });
    const rows: Array<{ seq: number }> = await dataSource.query(
      "SELECT seq FROM test_effects WHERE key = 'patient-1' ORDER BY id",
    );
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
  });

  it('reports the consumer lag and the outbox backlog as metrics', async () => {
    const group = app.get(MessagingRuntime).eventConsumer!.groupId;

    await waitFor(
      async () => {
        const lag = await messagingMetrics.consumerLag.get();
        const mine = lag.values.filter(
          (v) => v.labels['group'] === group && v.labels['topic'] === topic,
        );
        return mine.length > 0 && mine.every((v) => v.value === 0);
      },
      { timeoutMs: 20_000, message: 'lag gauge at 0 for every partition' },
    );
    const backlog = await messagingMetrics.outboxBacklog.get();
    expect(backlog.values.some((v) => String(v.labels['service']).startsWith('module-test-'))).toBe(
      true,
    );
  });

  it('stops consumer and relay when the app closes', async () => {
    const runtime = app.get(MessagingRuntime);

    await app.close();

    expect(runtime.eventConsumer).toBeNull();
    expect(runtime.relay.isRunning).toBe(false);
  });
});
