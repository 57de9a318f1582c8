import { EventTopic } from '../topics';
import { registerContractClass } from './fast-validation';

export type PayloadClass<P> = new () => P;

/** Everything needed to produce and consume one event: its topic, type, version and payload class. */
export interface EventDefinition<P = unknown> {
  readonly topic: EventTopic;
  /** 'enrolment.record-opened' */
  readonly type: string;
  readonly schemaVersion: number;
  readonly payloadClass: PayloadClass<P>;
  /** The Kafka key of an event with this payload (the INS for patient events). */
  keyOf(payload: P): string;
}

/** Derives the type ('enrolment.record-opened') from the topic ('dmp.enrolment.record-opened.v1'). */
export function typeOfTopic(topic: EventTopic): string {
  return topic.replace(/^dmp\./, '').replace(/\.v[0-9]+$/, '');
}

export function defineEvent<P>(
  topic: EventTopic,
  payloadClass: PayloadClass<P>,
  keyOf: (payload: P) => string,
  schemaVersion = 1,
): EventDefinition<P> {
  registerContractClass(payloadClass);
  return Object.freeze({ topic, type: typeOfTopic(topic), schemaVersion, payloadClass, keyOf });
}
