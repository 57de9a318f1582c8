import { randomUUID } from 'node:crypto';
import { Kafka, Producer, logLevel } from 'kafkajs';
import {
  AccessedEvent,
  DocumentAddedEvent,
  EventDefinition,
  EventEnvelope,
  RecordClosedEvent,
  RecordOpenedEvent,
  createEvent,
  serializeEvent,
} from '@dmp/contracts';
import { AccessMode, AccessTargetKind, ActorRole, ClosureReason, CpamCode, DocumentFormat, DocumentType, Ins, LegalRepresentativeRelationship, OpeningChannel, Profession, Rpps, SourceCategory } from '@dmp/domain';
import { testKafkaBrokers } from '@dmp/testing';

export const kafka = (): Kafka => new Kafka({ clientId: `consent-test-${randomUUID().slice(0, 8)}`, brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });

/** Produces events as the other services would (their outbox relays): key = INS, JSON envelope. */
export class EventProducer {
  private constructor(private readonly producer: Producer) {}

  static async connect(): Promise<EventProducer> {
    const producer = kafka().producer({ allowAutoTopicCreation: true });
    await producer.connect();
    return new EventProducer(producer);
  }

  async publish(definition: EventDefinition<unknown>, envelopes: EventEnvelope<unknown>[]): Promise<void> {
    for (let i = 0; i < envelopes.length; i += 500) {
      await this.producer.send({
        topic: definition.topic,
        messages: envelopes.slice(i, i + 500).map((envelope) => {
          const message = serializeEvent(envelope);
          return { key: message.key, value: message.value, headers: message.headers };
        }),
      });
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

export function recordOpened(ins: Ins, options: { email?: string; openedAt?: Date; emergencyAccess?: boolean; samuRegulationAccess?: boolean; representatives?: Ins[] } = {}): EventEnvelope<unknown> {
  const openedAt = (options.openedAt ?? new Date()).toISOString();
  return createEvent(
    RecordOpenedEvent,
    {
      ins,
      channel: OpeningChannel.CPAM_COUNTER,
      cpamCode: '751' as CpamCode,
      openingActor: { role: ActorRole.CPAM_AGENT, id: 'agent-1' },
      openedAt,
      consent: { by: { role: ActorRole.PATIENT, id: ins }, where: 'CPAM Paris counter', at: openedAt },
      emergency: { emergencyAccess: options.emergencyAccess ?? true, samuRegulationAccess: options.samuRegulationAccess ?? true },
      contacts: { email: options.email ?? `${ins}@patients.example` },
      isMinor: (options.representatives ?? []).length > 0,
      legalRepresentatives: (options.representatives ?? []).map((representative) => ({ ins: representative, relationship: LegalRepresentativeRelationship.PARENT })),
    },
    { producer: 'enrolment', correlationId: randomUUID(), occurredAt: openedAt },
  ) as EventEnvelope<unknown>;
}

export function recordClosed(ins: Ins, closedAt: Date): EventEnvelope<unknown> {
  return createEvent(
    RecordClosedEvent,
    { ins, reason: ClosureReason.PATIENT_REQUEST, effectiveDate: closedAt.toISOString().slice(0, 10) as never, closedAt: closedAt.toISOString(), by: { role: ActorRole.PATIENT, id: ins } },
    { producer: 'enrolment', correlationId: randomUUID(), occurredAt: closedAt },
  ) as EventEnvelope<unknown>;
}

export interface AccessOptions {
  rpps: string;
  profession?: Profession;
  mode?: AccessMode;
  granted?: boolean;
  reason?: string;
  at?: Date;
  expiresAt?: Date;
  documentId?: string;
  producer?: string;
}

/** An access event as documents (or reimbursements) produce it after deciding. */
export function accessed(ins: Ins, options: AccessOptions): EventEnvelope<unknown> {
  const at = (options.at ?? new Date()).toISOString();
  const granted = options.granted ?? true;
  return createEvent(
    AccessedEvent,
    {
      accessId: randomUUID(),
      ins,
      accessor: { role: ActorRole.PROFESSIONAL, id: options.rpps, profession: options.profession ?? Profession.PHYSICIAN },
      mode: options.mode ?? AccessMode.NORMAL,
      target: { kind: AccessTargetKind.DOCUMENT, id: options.documentId ?? `doc-${randomUUID()}`, documentType: DocumentType.LABORATORY_REPORT },
      granted,
      reasons: [granted ? 'AUTHORISED_PROFESSIONAL: the patient has authorised this professional' : 'NOT_AUTHORISED: not authorised'],
      rulesVersion: '1.0.0/default-2026-11',
      emergencyReason: options.reason,
      at,
      expiresAt: options.expiresAt?.toISOString(),
    },
    { producer: options.producer ?? 'documents', correlationId: randomUUID(), occurredAt: at },
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

/** A document added by a professional, as documents produces it. */
export function documentAdded(ins: Ins, options: { rpps: string; title?: string; invisibleToPatientUntilExplained?: boolean; addedByPatient?: boolean }): EventEnvelope<unknown> {
  const addedAt = new Date().toISOString();
  return createEvent(
    DocumentAddedEvent,
    {
      ins,
      documentId: `doc-${randomUUID()}`,
      version: 1,
      type: DocumentType.IMAGING_REPORT,
      format: DocumentFormat.PDF,
      title: options.title ?? 'Chest X-ray report',
      sourceCategory: options.addedByPatient ? SourceCategory.PATIENT : SourceCategory.LIBERAL_PROFESSIONAL,
      author: options.addedByPatient ? undefined : { rpps: options.rpps as Rpps, profession: Profession.PHYSICIAN },
      addedBy: options.addedByPatient ? { role: ActorRole.PATIENT, id: ins } : { role: ActorRole.PROFESSIONAL, id: options.rpps },
      sha256: 'a'.repeat(64),
      sizeBytes: 1234,
      visibility: { maskedFromProfessionals: false, invisibleToPatientUntilExplained: options.invisibleToPatientUntilExplained ?? false, invisibleToLegalRepresentatives: false },
      authoredAt: addedAt,
      addedAt,
    },
    { producer: 'documents', correlationId: randomUUID(), occurredAt: addedAt },
  ) as EventEnvelope<unknown>;
}
