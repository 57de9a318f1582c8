import { randomUUID } from 'node:crypto';
import { EventHeaders } from '../topics';
import { EventDefinition } from './event-definition';
import { EventEnvelope } from './event-envelope';
import { describeFieldErrors, validateAs } from './validate';

export interface CreateEventOptions {
  producer: string;
  correlationId: string;
  /** Defaults to the definition's key of the payload (the INS for patient events). */
  key?: string;
  /** Defaults to now. */
  occurredAt?: Date | string;
  /** Defaults to a fresh uuid v4; pass one to make a retried command produce the same event. */
  eventId?: string;
  /**
   * Validate the payload and throw InvalidEventError when it fails. Off by default because
   * producers build payloads from already validated commands and bulk paths make millions;
   * consumers always validate (parseEvent).
   */
  validate?: boolean;
}

export class InvalidEventError extends Error {
  constructor(
    readonly type: string,
    readonly reason: string,
  ) {
    super(`invalid ${type} event: ${reason}`);
    this.name = InvalidEventError.name;
  }
}

export function createEvent<P extends object>(definition: EventDefinition<P>, payload: P, options: CreateEventOptions): EventEnvelope<P> {
  if (options.validate) {
    const result = validateAs(definition.payloadClass, payload, 'payload');
    if (!result.ok) throw new InvalidEventError(definition.type, describeFieldErrors(result.errors));
  }
  const occurredAt = options.occurredAt === undefined ? new Date().toISOString() : typeof options.occurredAt === 'string' ? options.occurredAt : options.occurredAt.toISOString();
  const envelope = new EventEnvelope<P>();
  envelope.eventId = options.eventId ?? randomUUID();
  envelope.type = definition.type;
  envelope.schemaVersion = definition.schemaVersion;
  envelope.occurredAt = occurredAt;
  envelope.producer = options.producer;
  envelope.correlationId = options.correlationId;
  envelope.key = options.key ?? definition.keyOf(payload);
  envelope.payload = payload;
  return envelope;
}

export interface SerializedEvent {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** The Kafka message of an envelope: key, JSON value and the conventional headers. */
export function serializeEvent(envelope: EventEnvelope): SerializedEvent {
  return {
    key: envelope.key,
    value: JSON.stringify(envelope),
    headers: {
      [EventHeaders.EVENT_TYPE]: envelope.type,
      [EventHeaders.SCHEMA_VERSION]: String(envelope.schemaVersion),
      [EventHeaders.CORRELATION_ID]: envelope.correlationId,
    },
  };
}
