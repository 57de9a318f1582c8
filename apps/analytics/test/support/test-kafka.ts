import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { startBroker } from '@dmp/embedded-kafka';

/** A broker of the test file's own (3 partitions a topic), with a connected producer and admin. */
export interface TestKafka {
  bootstrap: string;
  kafka: Kafka;
  producer: Producer;
  admin: Admin;
  stop(): Promise<void>;
}

export async function startTestKafka(clientId: string): Promise<TestKafka> {
  const broker = await startBroker({ port: 0, quiet: true, defaultPartitions: 3 });
  const kafka = new Kafka({ clientId, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const admin = kafka.admin();
  await producer.connect();
  await admin.connect();
  return {
    bootstrap: broker.bootstrap,
    kafka,
    producer,
    admin,
    stop: async () => {
      await admin.disconnect();
      await producer.disconnect();
      await broker.stop();
    },
  };
}
