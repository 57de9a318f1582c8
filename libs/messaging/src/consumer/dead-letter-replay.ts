import { randomUUID } from 'node:crypto';
import { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { KafkaPublisher } from '../kafka/kafka-publisher';
import { DEAD_LETTER_TOPIC, DLQ_HEADERS, headerText } from './dead-letter';

export interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  reason: string | undefined;
  originalTopic: string | undefined;
  originalPartition: string | undefined;
  originalOffset: string | undefined;
  consumerGroup: string | undefined;
  at: string | undefined;
  /** Headers of the original message (the dlq-* ones removed). */
  headers: Record<string, string>;
}

function toDeadLetter(partition: number, message: KafkaMessage): DeadLetter {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(message.headers ?? {})) {
    if (name.startsWith('dlq-')) continue;
    headers[name] = headerText(message.headers, name) ?? '';
  }
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    reason: headerText(message.headers, DLQ_HEADERS.REASON),
    originalTopic: headerText(message.headers, DLQ_HEADERS.ORIGINAL_TOPIC),
    originalPartition: headerText(message.headers, DLQ_HEADERS.ORIGINAL_PARTITION),
    originalOffset: headerText(message.headers, DLQ_HEADERS.ORIGINAL_OFFSET),
    consumerGroup: headerText(message.headers, DLQ_HEADERS.CONSUMER_GROUP),
    at: headerText(message.headers, DLQ_HEADERS.AT),
    headers,
  };
}

/**
 * Reads the dead-letter topic from the beginning up to its current end (a throw-away consumer
 * group, nothing committed anywhere that matters) and returns every message.
 */
export async function readDeadLetters(
  kafka: Kafka,
  options: { timeoutMs?: number } = {},
): Promise<DeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    // No topic yet means nothing was ever dead-lettered (and metadata for it would be retried).
    if (!(await admin.listTopics()).includes(DEAD_LETTER_TOPIC)) return [];
    const offsets = await admin.fetchTopicOffsets(DEAD_LETTER_TOPIC);
    ends = new Map(
      offsets.filter((o) => o.high !== o.low).map((o) => [o.partition, BigInt(o.high)]),
    );
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return [];
  const found: DeadLetter[] = [];
  const consumer = kafka.consumer({
    groupId: `dmp-dlq-reader-${randomUUID()}`,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [DEAD_LETTER_TOPIC], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('timed out reading the dead-letter topic')),
        options.timeoutMs ?? 30_000,
      );
      const remaining = new Set(ends.keys());
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const end = ends.get(partition);
          if (end === undefined || BigInt(message.offset) >= end) return;
          found.push(toDeadLetter(partition, message));
          if (BigInt(message.offset) === end - 1n) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return found.sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
  );
}

/**
 * Sends one dead-lettered message back to its original topic (or `toTopic`): same key, same
 * value, original headers (the dlq-* ones dropped). Consumers apply it like any delivery; its
 * eventId was never recorded in their inbox (the failed transaction rolled back), and if it was
 * (a replay replayed twice) the inbox skips it.
 */
export async function replayDeadLetter(
  publisher: KafkaPublisher,
  letter: DeadLetter,
  toTopic?: string,
): Promise<string> {
  const topic = toTopic ?? letter.originalTopic;
  if (!topic)
    throw new Error(
      `dead letter ${letter.partition}/${letter.offset} has no ${DLQ_HEADERS.ORIGINAL_TOPIC} header`,
    );
  const headers: IHeaders = {
    ...letter.headers,
    'dlq-replayed-from': `${letter.partition}/${letter.offset}`,
  };
  await publisher.publish(topic, { key: letter.key, value: letter.value, headers });
  return topic;
}
