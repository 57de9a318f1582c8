import { Topics } from '@dmp/contracts';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { KafkaPublisher } from '../kafka/kafka-publisher';
import { defaultHeartbeatIntervalMs, EventConsumer, RegisteredHandler } from './event-consumer';

// Nothing connects: the checks run in the constructor.
const kafka = new Kafka({ brokers: ['127.0.0.1:1'], clientId: 'unit' });
const dataSource = new DataSource({ type: 'postgres' });
const publisher = new KafkaPublisher(kafka);

function handler(topic: string, schemaTopic?: string, name = 'Handlers.on'): RegisteredHandler {
  return {
    topic,
    schemaTopic,
    name,
    batch: false,
    maxBatchSize: 1,
    handle: () => Promise.resolve(),
  };
}

describe(EventConsumer.name, () => {
  it('joins the group dmp-<service> and subscribes to the handlers topics', () => {
    const sut = new EventConsumer(
      kafka,
      dataSource,
      publisher,
      [handler(Topics.RECORD_OPENED), handler(Topics.ACCESSED)],
      {
        serviceName: 'analytics',
      },
    );

    expect(sut.groupId).toBe('dmp-analytics');
    expect(sut.topics).toEqual([Topics.RECORD_OPENED, Topics.ACCESSED]);
  });

  it('refuses at boot a topic without an event definition, naming the handler', () => {
    expect(
      () =>
        new EventConsumer(
          kafka,
          dataSource,
          publisher,
          [handler('dmp.nobody.v1', undefined, 'Stats.onNobody')],
          { serviceName: 's' },
        ),
    ).toThrow('Stats.onNobody handles "dmp.nobody.v1", which has no event definition');
  });

  it('accepts an unregistered topic that names the schema of a registered one', () => {
    const sut = new EventConsumer(
      kafka,
      dataSource,
      publisher,
      [handler('replay.record-opened', Topics.RECORD_OPENED)],
      {
        serviceName: 's',
      },
    );

    expect(sut.topics).toEqual(['replay.record-opened']);
  });

  it('refuses two handlers that would validate one topic with different schemas', () => {
    expect(
      () =>
        new EventConsumer(
          kafka,
          dataSource,
          publisher,
          [
            handler('replay.x', Topics.RECORD_OPENED, 'A.on'),
            handler('replay.x', Topics.ACCESSED, 'B.on'),
          ],
          { serviceName: 's' },
        ),
    ).toThrow('B.on and A.on validate "replay.x" with different schemas');
  });
});

describe(defaultHeartbeatIntervalMs.name, () => {
  it('heartbeats every 3 s under the default 30 s session', () => {
    expect(defaultHeartbeatIntervalMs()).toBe(3_000);
  });

  it('heartbeats three times per session when the session is shorter than 9 s', () => {
    expect(defaultHeartbeatIntervalMs(6_000)).toBe(2_000);
  });
});
