import { EventEnvelope } from './event-envelope';
import { adopt, validatesFast } from './fast-validation';
import { FieldError, describeFieldErrors, validateAs } from './validate';
import { PayloadOf, eventDefinitions, isEventTopic } from '../registry';
import { EventTopic, Topics } from '../topics';

export type ParseEventResult<P> = { ok: true; envelope: EventEnvelope<P> } | { ok: false; reason: string; errors?: FieldError[] };

type PayloadForTopic<T extends string> = T extends EventTopic ? PayloadOf<T> : unknown;

function failure(reason: string, errors?: FieldError[]): { ok: false; reason: string; errors?: FieldError[] } {
  return errors ? { ok: false, reason, errors } : { ok: false, reason };
}

/**
 * Parses and validates a Kafka message value read from `topic`: JSON, then the envelope, then
 * the payload with the topic's class. The reason names each failing field by its path
 * ('payload.contacts.email: ...'), ready to be the dlq-reason header.
 */
export function parseEventSync<T extends string>(topic: T, raw: Buffer | string | null | undefined): ParseEventResult<PayloadForTopic<T>> {
  if (topic === Topics.DEAD_LETTER) return failure(`topic ${topic} carries dead-lettered raw messages, not event envelopes`);
  if (!isEventTopic(topic)) return failure(`unknown topic "${topic}": no event definition for it`);
  if (raw === null || raw === undefined) return failure('message has no value');
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return failure(`value is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const definition = eventDefinitions[topic];
  // Most messages are valid: decided on the parsed JSON, which becomes the envelope in place (no
  // copy of the message). Anything else takes the path below, which names every failing field.
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const plain = json as Record<string, unknown>;
    const payload = plain.payload;
    if (
      plain.type === definition.type &&
      typeof payload === 'object' && payload !== null && !Array.isArray(payload) &&
      validatesFast(EventEnvelope, plain) === true &&
      validatesFast(definition.payloadClass, payload as Record<string, unknown>) === true
    ) {
      const envelope = adopt(EventEnvelope, plain) as EventEnvelope<PayloadForTopic<T>>;
      envelope.payload = adopt(definition.payloadClass as new () => object, payload as Record<string, unknown>) as PayloadForTopic<T>;
      return { ok: true, envelope };
    }
  }
  const envelopeResult = validateAs(EventEnvelope, json);
  if (!envelopeResult.ok && (typeof json !== 'object' || json === null || Array.isArray(json))) {
    return failure(`value must be a JSON object (an event envelope): ${envelopeResult.reason}`, envelopeResult.errors);
  }
  const errors: FieldError[] = envelopeResult.ok ? [] : [...envelopeResult.errors];
  const plain = json as Record<string, unknown>;
  if (typeof plain.type === 'string' && plain.type !== definition.type) {
    errors.push({ field: 'type', reason: `type "${plain.type}" does not belong on topic ${topic} (expected "${definition.type}")` });
  }
  let payload: object | undefined;
  if (typeof plain.payload === 'object' && plain.payload !== null && !Array.isArray(plain.payload)) {
    const payloadResult = validateAs<object>(definition.payloadClass, plain.payload, 'payload');
    if (payloadResult.ok) payload = payloadResult.value;
    else errors.push(...payloadResult.errors);
  }
  if (errors.length > 0 || !envelopeResult.ok || payload === undefined) return failure(describeFieldErrors(errors), errors);
  const envelope = envelopeResult.value as EventEnvelope<PayloadForTopic<T>>;
  envelope.payload = payload as PayloadForTopic<T>;
  return { ok: true, envelope };
}

/** parseEventSync behind a promise (the API the services were promised; validation is synchronous). */
export async function parseEvent<T extends string>(topic: T, raw: Buffer | string | null | undefined): Promise<ParseEventResult<PayloadForTopic<T>>> {
  return parseEventSync(topic, raw);
}
