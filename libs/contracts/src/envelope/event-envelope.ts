import { IsInt, IsObject, IsString, IsUUID, Length, Min } from 'class-validator';
import { IsIsoDateTime } from '../common/validators';
import { registerContractClass } from './fast-validation';

/**
 * What travels on every event topic (JSON in the Kafka value). The payload's own class depends
 * on the topic, so parseEvent validates it separately with the topic's definition.
 */
export class EventEnvelope<P = unknown> {
  /** uuid v4; consumers' inboxes deduplicate on it. */
  @IsUUID('4')
  eventId!: string;

  /** 'enrolment.record-opened': the topic's domain and event, without prefix and version. */
  @IsString()
  @Length(1, 100)
  type!: string;

  /** Raised for additive changes within a topic's major version; consumers accept any value. */
  @IsInt()
  @Min(1)
  schemaVersion!: number;

  @IsIsoDateTime()
  occurredAt!: string;

  /** The producing service ('enrolment'). */
  @IsString()
  @Length(1, 100)
  producer!: string;

  /** Carried from the HTTP request or the event that caused this one, for tracing. */
  @IsString()
  @Length(1, 200)
  correlationId!: string;

  /** Kafka message key: the patient's INS where there is a patient, so order per patient holds. */
  @IsString()
  @Length(1, 200)
  key!: string;

  @IsObject()
  payload!: P;
}

registerContractClass(EventEnvelope);
