import { EventEnvelope, EventHeaders, eventDefinitions } from '@dmp/contracts';
import type { RelayMessage } from '../outbox/relay-producer';

/**
 * Kafka headers every event carries (docs/ARCHITECTURE.md, "Events": the headers of
 * serializeEvent), plus its eventId. Built directly: serializeEvent would JSON-encode the whole
 * envelope only for these four strings, once per event of every outbox append.
 */
export function eventHeaders(envelope: EventEnvelope<unknown>): Record<string, string> {
  return {
    [EventHeaders.EVENT_TYPE]: envelope.type,
    [EventHeaders.SCHEMA_VERSION]: String(envelope.schemaVersion),
    [EventHeaders.CORRELATION_ID]: envelope.correlationId,
    'event-id': envelope.eventId,
  };
}

/** The Kafka message of an event: its key, the envelope as JSON, its headers. */
export function eventMessage(envelope: EventEnvelope<unknown>): RelayMessage {
  return {
    key: envelope.key ?? null,
    value: JSON.stringify(envelope),
    headers: eventHeaders(envelope),
  };
}

let topicsByType: Map<string, string> | null = null;

/** The topic registered in @dmp/contracts for the envelope's type. */
export function topicOf(envelope: EventEnvelope<unknown>): string {
  topicsByType ??= new Map(Object.values(eventDefinitions).map((d) => [d.type, d.topic]));
  const topic = topicsByType.get(envelope.type);
  if (topic !== undefined) return topic;
  throw new Error(
    `no topic is registered for event type "${envelope.type}": pass the topic explicitly`,
  );
}
