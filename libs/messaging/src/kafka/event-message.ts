import { EventEnvelope, eventDefinitions, serializeEvent } from '@dmp/contracts';

/** Kafka headers every event carries (docs/ARCHITECTURE.md, "Events"), plus its eventId. */
export function eventHeaders(envelope: EventEnvelope<unknown>): Record<string, string> {
  return { ...serializeEvent(envelope).headers, 'event-id': envelope.eventId };
}

/** The topic registered in @dmp/contracts for the envelope's type. */
export function topicOf(envelope: EventEnvelope<unknown>): string {
  for (const definition of Object.values(eventDefinitions)) {
    if (definition.type === envelope.type) return definition.topic;
  }
  throw new Error(
    `no topic is registered for event type "${envelope.type}": pass the topic explicitly`,
  );
}
