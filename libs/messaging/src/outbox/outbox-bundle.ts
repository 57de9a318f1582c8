import { EventEnvelope } from '@dmp/contracts';
import { eventHeaders } from '../kafka/event-message';

/**
 * A bundle is ONE outbox row carrying many Kafka messages of one topic, in order: the bulk form
 * of the outbox. A mass campaign appends thousands of events per transaction; as one row each,
 * every event cost PostgreSQL a tuple, three index entries, a jsonb parse on the way in, a jsonb
 * rendering on the way out and a delete, more than the record it announces. As a bundle they are
 * one text value (TOAST-compressed) and one tuple. The relay publishes the messages of a bundle
 * exactly as it would publish the same rows, one Kafka message per event: consumers cannot tell.
 *
 * Text format, one message per line: JSON(key) TAB JSON(headers) TAB value. JSON.stringify never
 * writes a raw newline or tab (it escapes every control character), so neither can appear inside
 * a field; the value is the envelope's JSON, as a plain outbox row's payload.
 */
export interface BundledMessage {
  key: string | null;
  headers: Record<string, string>;
  value: string;
}

/** The bundle line of an envelope (the message OutboxService.append would write as a row). */
export function bundleLine(envelope: EventEnvelope<unknown>): string {
  return `${JSON.stringify(envelope.key ?? null)}\t${JSON.stringify(eventHeaders(envelope))}\t${JSON.stringify(envelope)}`;
}

/** Splits a bundle back into its messages, in order. Throws on a malformed line (never written by bundleLine). */
export function readBundle(text: string): BundledMessage[] {
  const messages: BundledMessage[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const tab1 = text.indexOf('\t', start);
    const tab2 = tab1 === -1 ? -1 : text.indexOf('\t', tab1 + 1);
    if (tab1 === -1 || tab2 === -1 || tab2 > end) {
      throw new Error(`malformed outbox bundle line at offset ${start}`);
    }
    messages.push({
      key: JSON.parse(text.slice(start, tab1)) as string | null,
      headers: JSON.parse(text.slice(tab1 + 1, tab2)) as Record<string, string>,
      value: text.slice(tab2 + 1, end),
    });
    start = end + 1;
  }
  return messages;
}
