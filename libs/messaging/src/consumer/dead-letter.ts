import { DeadLetterHeaders, Topics } from '@dmp/contracts';
import { IHeaders, KafkaMessage } from 'kafkajs';

/** The dead-letter topic: one for the whole suite. */
export const DEAD_LETTER_TOPIC: string = Topics.DEAD_LETTER;

/**
 * Headers added to a dead-lettered message (the original key, value and headers are kept):
 * the four of `DeadLetterHeaders` in @dmp/contracts, plus who gave up and when.
 */
export const DLQ_HEADERS = {
  REASON: DeadLetterHeaders.REASON as string,
  ORIGINAL_TOPIC: DeadLetterHeaders.ORIGINAL_TOPIC as string,
  ORIGINAL_PARTITION: DeadLetterHeaders.ORIGINAL_PARTITION as string,
  ORIGINAL_OFFSET: DeadLetterHeaders.ORIGINAL_OFFSET as string,
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
      [DLQ_HEADERS.REASON]: source.reason.slice(0, MAX_REASON),
      [DLQ_HEADERS.ORIGINAL_TOPIC]: source.topic,
      [DLQ_HEADERS.ORIGINAL_PARTITION]: String(source.partition),
      [DLQ_HEADERS.ORIGINAL_OFFSET]: message.offset,
      [DLQ_HEADERS.CONSUMER_GROUP]: source.consumerGroup,
      [DLQ_HEADERS.AT]: new Date().toISOString(),
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
