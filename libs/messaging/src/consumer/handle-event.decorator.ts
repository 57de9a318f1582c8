import 'reflect-metadata';
import type { ParseEventResult } from '@dmp/contracts';

export const HANDLE_EVENT_METADATA = 'dmp:messaging:handle-event';

export interface HandleEventOptions {
  /**
   * The method receives `(envelopes: EventEnvelope<P>[], manager)`: up to `maxBatchSize` new
   * (not yet handled) events of one partition, in offset order, in one transaction. For
   * high-volume consumers (analytics). If the batch keeps failing, its events are retried one
   * by one so that only the poison event is dead-lettered.
   */
  batch?: boolean;
  /** Upper bound of a batch handed to a batch handler; default 500. */
  maxBatchSize?: number;
  /**
   * Validate the messages with the event definition of this topic instead of `topic`'s own: for
   * a topic that carries a registered event under another name (a replay topic, a test topic).
   */
  schemaTopic?: string;
  /**
   * Decodes and validates a message value instead of `parseEventSync(schemaTopic, value)`: for a
   * topic that also accepts another encoding of its event (documents' binary submissions, whose
   * bodies follow a JSON header as raw bytes). A failure is dead-lettered with its reason.
   */
  decode?: (value: Buffer | null) => ParseEventResult<unknown>;
  /**
   * Record each event in the inbox (default true). `false` only for a handler whose effect is
   * idempotent by its own keys (a fact keyed by a natural id, a set of members): a redelivered
   * or replayed event then changes nothing without the inbox row's cost. The topic's events skip
   * the inbox only when every handler of the topic opts out.
   */
  inbox?: boolean;
}

export interface HandleEventMetadata {
  topic: string;
  batch: boolean;
  maxBatchSize: number;
  schemaTopic: string;
  decode?: (value: Buffer | null) => ParseEventResult<unknown>;
  inbox: boolean;
}

/**
 * Marks a method of an injectable as the handler of a topic. Signature:
 * `async handle(envelope: EventEnvelope<P>, manager: EntityManager): Promise<void>`
 * (or `(envelopes: EventEnvelope<P>[], manager)` with `{ batch: true }`). The manager belongs to
 * the transaction that also records the event in the inbox: write the effect through it.
 * Throw `NonRetryableError` for an event that can never succeed (dead-lettered at once); any other
 * error is retried with backoff, then dead-lettered.
 */
export function HandleEvent(topic: string, options: HandleEventOptions = {}): MethodDecorator {
  return (_target, _property, descriptor) => {
    const method = descriptor.value as object;
    const existing =
      (Reflect.getMetadata(HANDLE_EVENT_METADATA, method) as HandleEventMetadata[] | undefined) ??
      [];
    const entry: HandleEventMetadata = {
      topic,
      batch: options.batch ?? false,
      maxBatchSize: options.maxBatchSize ?? 500,
      schemaTopic: options.schemaTopic ?? topic,
      inbox: options.inbox ?? true,
      ...(options.decode ? { decode: options.decode } : {}),
    };
    Reflect.defineMetadata(HANDLE_EVENT_METADATA, [...existing, entry], method);
    return descriptor;
  };
}
