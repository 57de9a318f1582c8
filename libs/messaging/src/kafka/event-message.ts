import { EventEnvelope, eventDefinitions, Topics } from '@dmp/contracts';

/** Kafka headers every event carries (docs/ARCHITECTURE.md, "Events"). */
export function eventHeaders(envelope: EventEnvelope<unknown>): Record<string, string> {
  return {
    'event-id': envelope.eventId,
    'event-type': envelope.type,
    'schema-version': String(envelope.schemaVersion),
    'correlation-id': envelope.correlationId ?? '',
  };
}

/** The topic registered in @dmp/contracts for the envelope's type and schema version. */
export function topicOf(envelope: EventEnvelope<unknown>): string {
  for (const [topic, definition] of Object.entries(eventDefinitions) as Array<
    [Topics, { type: string; schemaVersion: number }]
  >) {
    if (definition.type === envelope.type && definition.schemaVersion === envelope.schemaVersion)
      return topic;
  }
  throw new Error(
    `no topic is registered for event type "${envelope.type}" v${envelope.schemaVersion}: pass the topic explicitly`,
  );
}
