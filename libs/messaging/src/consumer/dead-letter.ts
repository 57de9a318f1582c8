import { IHeaders, KafkaMessage } from 'kafkajs';

/** The dead-letter topic (also `Topics` in @dmp/contracts): one for the whole suite. */
export const DEAD_LETTER_TOPIC = 'dmp.dead-letter.v1';

/** Headers added to a dead-lettered message; the original key, value and headers are kept. */
export const DeadLetterHeaders = {
  REASON: 'dlq-reason',
  ORIGINAL_TOPIC: 'dlq-original-topic',
  ORIGINAL_PARTITION: 'dlq-original-partition',
  ORIGINAL_OFFSET: 'dlq-original-offset',
  CONSUMER_GROUP: 'dlq-consumer-group',
  AT: 'dlq-at',
} as const;

export interface DeadLetterSource {
  topic: string;
  partition: number;
  message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset'>;
  consumerGroup: string;
  reason: string;
}

// A reason is a sentence, not a stack trace; headers are not the place for megabytes.
const MAX_REASON = 2000;

export function deadLetterMessage(source: DeadLetterSource): {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
} {
  const { message } = source;
  return {
    key: message.key ?? null,
    value: message.value ?? null,
    headers: {
      ...(message.headers ?? {}),
      [DeadLetterHeaders.REASON]: source.reason.slice(0, MAX_REASON),
      [DeadLetterHeaders.ORIGINAL_TOPIC]: source.topic,
      [DeadLetterHeaders.ORIGINAL_PARTITION]: String(source.partition),
      [DeadLetterHeaders.ORIGINAL_OFFSET]: message.offset,
      [DeadLetterHeaders.CONSUMER_GROUP]: source.consumerGroup,
      [DeadLetterHeaders.AT]: new Date().toISOString(),
    },
  };
}

/** A header value as text (kafkajs hands headers over as Buffers). */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
