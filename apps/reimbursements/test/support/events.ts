import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import {
  createEvent,
  EventDefinition,
  EventEnvelope,
  FileAnnouncedEvent,
  GranteeKind,
  ProfessionalAuthorisedEvent,
  RecordOpenedEvent,
  serializeEvent,
} from '@dmp/contracts';
import { ActorRole, CpamCode, Ins, OpeningChannel, ReimbursementFileKind, Rpps } from '@dmp/domain';
import { testKafkaBrokers } from '@dmp/testing';

/** Produces events as the other services' outbox relays (and the insurer) would. */
export class EventProducer {
  private constructor(private readonly producer: Producer) {}

  static async connect(): Promise<EventProducer> {
    const kafka = new Kafka({
      clientId: `reimbursements-test-${randomUUID().slice(0, 8)}`,
      brokers: testKafkaBrokers(),
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    return new EventProducer(producer);
  }

  async publish<P>(definition: EventDefinition<P>, envelope: EventEnvelope<P>): Promise<void> {
    const message = serializeEvent(envelope as EventEnvelope<unknown>);
    await this.producer.send({
      topic: definition.topic,
      messages: [{ key: message.key, value: message.value, headers: message.headers }],
    });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

export function recordOpened(ins: string, openedAt = new Date()) {
  const at = openedAt.toISOString();
  return createEvent(
    RecordOpenedEvent,
    {
      ins: ins as Ins,
      channel: OpeningChannel.PHARMACY,
      cpamCode: '751' as CpamCode,
      openingActor: { role: ActorRole.PHARMACY, id: '750712184' },
      openedAt: at,
      consent: { by: { role: ActorRole.PATIENT, id: ins }, where: 'Pharmacie du Marché', at },
      emergency: { emergencyAccess: true, samuRegulationAccess: true },
      contacts: { email: `${ins}@patients.example` },
      isMinor: false,
      legalRepresentatives: [],
    } as never,
    { producer: 'enrolment', correlationId: randomUUID(), occurredAt: at },
  );
}

export function professionalAuthorised(ins: string, rpps: string) {
  const at = new Date().toISOString();
  return createEvent(
    ProfessionalAuthorisedEvent,
    {
      ins: ins as Ins,
      grantee: { kind: GranteeKind.PROFESSIONAL, rpps: rpps as Rpps },
      by: { role: ActorRole.PATIENT, id: ins },
      authorisedAt: at,
    } as never,
    { producer: 'consent', correlationId: randomUUID(), occurredAt: at },
  );
}

export function fileAnnounced(fileId: string, location: string, sha256: string, lineCount: number) {
  return createEvent(
    FileAnnouncedEvent,
    {
      fileId,
      kind: ReimbursementFileKind.DELTA,
      location,
      sha256,
      lineCount,
      announcedAt: new Date().toISOString(),
    },
    { producer: 'insurer-pipeline', correlationId: randomUUID() },
  );
}
