import { createHash, randomUUID } from 'node:crypto';
import { Kafka, Producer, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  DocumentSubmissionEvent,
  EventEnvelope,
  RecordClosedEvent,
  RecordOpenedEvent,
  ProfessionalAuthorisedEvent,
  RepresentativeChangedEvent,
  createEvent,
  serializeEvent,
  Topics,
} from '@dmp/contracts';
import { ActorRole, ClosureReason, CpamCode, DocumentFormat, DocumentType, EstablishmentCategory, EstablishmentKind, Finess, Ins, LegalRepresentativeRelationship, OpeningChannel, Profession, Rpps } from '@dmp/domain';
import { testKafkaBrokers } from '@dmp/testing';

export const kafka = (): Kafka => new Kafka({ clientId: `documents-test-${randomUUID().slice(0, 8)}`, brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });

export interface Establishment {
  finess: Finess;
  kind: EstablishmentKind;
  category: EstablishmentCategory;
}

export function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** A valid submitted document (text by default) whose hash and size match its body. */
export function aDocument(ins: Ins, author: { rpps: Rpps; profession: Profession }, overrides: Record<string, unknown> = {}, body: Buffer = Buffer.from(`Compte rendu ${randomUUID()}`)): Record<string, unknown> {
  return {
    documentId: `1.2.250.1.${randomUUID()}`,
    ins,
    type: DocumentType.DISCHARGE_SUMMARY,
    format: DocumentFormat.TEXT,
    title: 'Lettre de liaison de sortie',
    author,
    authoredAt: '2026-11-20T10:00:00.000Z',
    serviceStart: '2026-11-15',
    serviceEnd: '2026-11-20',
    sha256: sha256(body),
    sizeBytes: body.length,
    bodyBase64: body.toString('base64'),
    ...overrides,
  };
}

export function aSubmission(establishment: Establishment, documents: unknown[], submissionId = `sub-${randomUUID()}`): { submissionId: string; establishment: Establishment; submittedAt: string; documents: unknown[] } {
  return { submissionId, establishment, submittedAt: new Date().toISOString(), documents };
}

/** Produces events as the other services (and establishments) do: key, JSON envelope, headers. */
export class EventProducer {
  private constructor(private readonly producer: Producer) {}

  static async connect(): Promise<EventProducer> {
    const producer = kafka().producer({ allowAutoTopicCreation: true });
    await producer.connect();
    return new EventProducer(producer);
  }

  async publish(topic: string, envelopes: EventEnvelope<unknown>[]): Promise<void> {
    for (let i = 0; i < envelopes.length; i += 200) {
      await this.producer.send({
        topic,
        messages: envelopes.slice(i, i + 200).map((envelope) => {
          const message = serializeEvent(envelope);
          return { key: message.key, value: message.value, headers: message.headers };
        }),
      });
    }
  }

  async submit(submission: ReturnType<typeof aSubmission>): Promise<void> {
    await this.publish(Topics.DOCUMENT_SUBMISSIONS, [submissionEvent(submission)]);
  }

  async raw(topic: string, key: string, value: string): Promise<void> {
    await this.producer.send({ topic, messages: [{ key, value }] });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

export function submissionEvent(submission: ReturnType<typeof aSubmission>): EventEnvelope<unknown> {
  return createEvent(DocumentSubmissionEvent, submission as never, { producer: `establishment-${submission.establishment.finess}`, correlationId: randomUUID() }) as EventEnvelope<unknown>;
}

/** A record opening; with representatives, the record of a minor they represent. */
export function recordOpened(ins: Ins, openedAt = new Date(), representatives: Ins[] = []): EventEnvelope<unknown> {
  const at = openedAt.toISOString();
  return createEvent(
    RecordOpenedEvent,
    {
      ins,
      channel: OpeningChannel.CPAM_COUNTER,
      cpamCode: '751' as CpamCode,
      openingActor: { role: ActorRole.CPAM_AGENT, id: 'agent-1' },
      openedAt: at,
      consent: { by: { role: ActorRole.PATIENT, id: ins }, where: 'CPAM Paris counter', at },
      emergency: { emergencyAccess: true, samuRegulationAccess: true },
      contacts: { email: `${ins}@patients.example` },
      isMinor: representatives.length > 0,
      legalRepresentatives: representatives.map((r) => ({ ins: r, relationship: LegalRepresentativeRelationship.PARENT })),
    },
    { producer: 'enrolment', correlationId: randomUUID(), occurredAt: at },
  ) as EventEnvelope<unknown>;
}

/** Enrolment's full list of a dependant's representatives after a change. */
export function representativeChanged(ins: Ins, representatives: Ins[], changedAt = new Date()): EventEnvelope<unknown> {
  return createEvent(
    RepresentativeChangedEvent,
    {
      ins,
      legalRepresentatives: representatives.map((r) => ({ ins: r, relationship: LegalRepresentativeRelationship.PARENT })),
      by: { role: ActorRole.CPAM_AGENT, id: 'agent-1' },
      changedAt: changedAt.toISOString(),
    },
    { producer: 'enrolment', correlationId: randomUUID(), occurredAt: changedAt },
  ) as EventEnvelope<unknown>;
}

export function recordClosed(ins: Ins, closedAt = new Date()): EventEnvelope<unknown> {
  return createEvent(
    RecordClosedEvent,
    { ins, reason: ClosureReason.PATIENT_REQUEST, effectiveDate: closedAt.toISOString().slice(0, 10) as never, closedAt: closedAt.toISOString(), by: { role: ActorRole.PATIENT, id: ins } },
    { producer: 'enrolment', correlationId: randomUUID(), occurredAt: closedAt },
  ) as EventEnvelope<unknown>;
}

export function professionalAuthorised(ins: Ins, rpps: Rpps, at = new Date()): EventEnvelope<unknown> {
  return createEvent(
    ProfessionalAuthorisedEvent,
    { ins, grantee: { kind: 'professional', rpps }, by: { role: ActorRole.PATIENT, id: ins }, authorisedAt: at.toISOString() } as never,
    { producer: 'consent', correlationId: randomUUID(), occurredAt: at },
  ) as EventEnvelope<unknown>;
}

/** JSON over HTTP with a bearer token; returns status and parsed body. */
export async function http<T = unknown>(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export interface OutboxEvent<P = Record<string, unknown>> {
  topic: string;
  key: string;
  payload: { eventId: string; type: string; payload: P };
}

/** Events this service wrote to its outbox on a topic (what it publishes, in commit order). */
export async function outboxEvents<P = Record<string, unknown>>(db: DataSource, topic: string): Promise<Array<OutboxEvent<P>>> {
  return db.query('SELECT topic, key, payload FROM outbox_messages WHERE topic = $1 ORDER BY id, position', [topic]);
}

export async function recordStatus(db: DataSource, ins: Ins): Promise<string | undefined> {
  const rows: Array<{ record_status: string }> = await db.query('SELECT record_status FROM document_patients WHERE ins = $1', [ins]);
  return rows[0]?.record_status;
}
