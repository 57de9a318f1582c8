/**
 * Operators' tool for the dead-letter topic (docs/readme/messaging.md, "Replaying"):
 *   npm run dlq -- list                                  every dead letter, one JSON line each
 *   npm run dlq -- replay <partition> <offset> [topic]   sends one back to its original topic
 * Reads KAFKA_BROKERS (default the embedded broker of `npm start`).
 */
import { Kafka, logLevel } from 'kafkajs';
import { readDeadLetters, replayDeadLetter } from '../consumer/dead-letter-replay';
import { kafkaConfigFromEnv, toKafkaJsConfig } from '../kafka/kafka-config';
import { KafkaPublisher } from '../kafka/kafka-publisher';

async function main(argv: string[]): Promise<number> {
  const [command, partition, offset, toTopic] = argv;
  const kafka = new Kafka({
    ...toKafkaJsConfig(kafkaConfigFromEnv(process.env, 'dlq-tool')),
    logLevel: logLevel.NOTHING,
  });
  const letters = await readDeadLetters(kafka);
  if (command === 'list') {
    for (const letter of letters) process.stdout.write(`${JSON.stringify(letter)}\n`);
    return 0;
  }
  if (command === 'replay' && partition !== undefined && offset !== undefined) {
    const letter = letters.find((l) => l.partition === Number(partition) && l.offset === offset);
    if (!letter) {
      process.stderr.write(`no dead letter at partition ${partition} offset ${offset}\n`);
      return 1;
    }
    const publisher = new KafkaPublisher(kafka);
    try {
      const topic = await replayDeadLetter(publisher, letter, toTopic);
      process.stdout.write(
        `${JSON.stringify({ replayed: `${partition}/${offset}`, topic, key: letter.key })}\n`,
      );
    } finally {
      await publisher.disconnect();
    }
    return 0;
  }
  process.stderr.write('usage: dlq list | dlq replay <partition> <offset> [topic]\n');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
