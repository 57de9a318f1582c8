import { Controller, DynamicModule, INestMicroservice, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientKafka, ClientProxyFactory, EventPattern, KafkaOptions, MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { Kafka, logLevel } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { startBroker } from '@dmp/embedded-kafka';
import { TestBroker, startTestBroker, uniqueName } from './support/clients';
import { waitFor } from '@dmp/testing';
import { withTimeout } from './support/with-timeout';

// Decorators need the topic names when this module loads; unique per run so a rerun on a kept
// data directory cannot see old events.
const EVENT_TOPIC = uniqueName('dmp.test.something-happened.v1');
const SUM_TOPIC = uniqueName('dmp.test.sum.v1');
const RECEIVED = Symbol('RECEIVED');

interface SomethingHappened {
  eventId: string;
}

@Controller()
class SomethingHappenedController {
  constructor(@Inject(RECEIVED) private readonly received: string[]) {}

  @EventPattern(EVENT_TOPIC)
  onSomethingHappened(@Payload() event: SomethingHappened): void {
    this.received.push(event.eventId);
  }
}

@Controller()
class SumController {
  @MessagePattern(SUM_TOPIC)
  sum(@Payload() request: { numbers: number[] }): { total: number } {
    return { total: request.numbers.reduce((a, b) => a + b, 0) };
  }
}

@Module({})
class ServerModule {
  static with(received: string[], answersSums: boolean): DynamicModule {
    return {
      module: ServerModule,
      controllers: answersSums ? [SomethingHappenedController, SumController] : [SomethingHappenedController],
      providers: [{ provide: RECEIVED, useValue: received }],
    };
  }
}

function kafkaOptions(bootstrap: string, groupId: string): KafkaOptions['options'] {
  return {
    client: { clientId: groupId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } },
    consumer: { groupId, heartbeatInterval: 300, maxWaitTimeInMs: 300, allowAutoTopicCreation: true },
    // A group's first join starts at the latest offset; from the beginning, an event sent while
    // the group is still joining is not skipped.
    subscribe: { fromBeginning: true },
  };
}

describe(`${startBroker.name} with @nestjs/microservices`, () => {
  let sut: TestBroker;
  const apps: INestMicroservice[] = [];
  let client: ClientKafka | null = null;

  beforeAll(async () => {
    sut = await startTestBroker('nestjs', { defaultPartitions: 1 });
  });

  afterAll(async () => {
    if (client) await withTimeout(client.close(), 15_000, 'ClientKafka close').catch(() => undefined);
    for (const app of apps) await withTimeout(app.close(), 15_000, 'ServerKafka close').catch(() => undefined);
    await sut.stop();
  });

  async function startServer(groupId: string, received: string[], answersSums: boolean): Promise<void> {
    const app = await NestFactory.createMicroservice<KafkaOptions>(ServerModule.with(received, answersSums), {
      transport: Transport.KAFKA,
      options: kafkaOptions(sut.bootstrap, groupId),
      logger: false,
    });
    apps.push(app);
    await withTimeout(app.listen(), 30_000, `ServerKafka ${groupId} listen`);
  }

  it('reaches two server groups with emit() and answers send() on a broker that starts with no topics', async () => {
    const probe = new Kafka({ clientId: 'probe', brokers: [sut.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await probe.connect();
    expect((await probe.listTopics()).filter((t) => !t.startsWith('__'))).toEqual([]);

    const receivedByBilling: string[] = [];
    const receivedByAudit: string[] = [];
    await startServer(uniqueName('billing'), receivedByBilling, true);
    await startServer(uniqueName('audit'), receivedByAudit, false);

    client = ClientProxyFactory.create({ transport: Transport.KAFKA, options: kafkaOptions(sut.bootstrap, uniqueName('gateway')) }) as ClientKafka;
    client.subscribeToResponseOf(SUM_TOPIC);
    await withTimeout(client.connect(), 30_000, 'ClientKafka connect');
    const kafkaClient = client;
    await waitFor(() => kafkaClient.getConsumerAssignments()[`${SUM_TOPIC}.reply`] !== undefined, {
      timeoutMs: 30_000,
      message: 'the client to be assigned its reply partition',
    });

    const eventIds = Array.from({ length: 20 }, (_, i) => `event-${i}`);
    for (const eventId of eventIds) await lastValueFrom(client.emit(EVENT_TOPIC, { eventId }));
    await waitFor(() => receivedByBilling.length >= 20 && receivedByAudit.length >= 20, {
      timeoutMs: 30_000,
      message: `both groups to receive 20 events (billing ${receivedByBilling.length}, audit ${receivedByAudit.length})`,
    });
    expect(receivedByBilling).toEqual(eventIds);
    expect(receivedByAudit).toEqual(eventIds);

    const reply = await withTimeout(lastValueFrom(client.send<{ total: number }>(SUM_TOPIC, { numbers: [1, 2, 3, 4] })), 30_000, 'send() reply');
    expect(reply).toEqual({ total: 10 });
    const second = await withTimeout(lastValueFrom(client.send<{ total: number }>(SUM_TOPIC, { numbers: [40, 2] })), 30_000, 'second send() reply');
    expect(second).toEqual({ total: 42 });

    expect(await probe.listTopics()).toEqual(expect.arrayContaining([EVENT_TOPIC, SUM_TOPIC, `${SUM_TOPIC}.reply`]));
    await probe.disconnect();
  }, 120_000);
});
