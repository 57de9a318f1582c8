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

/** A message of a topic as the broker holds it. */
export interface TopicMessage {
  partition: number;
  key: string | null;
  value: string;
}

/**
 * The topic's end offsets now (what the broker acknowledged so far), per partition: a message
 * acknowledged before this call is below them.
 */
export async function topicEndOffsets(topic: string): Promise<Map<number, number>> {
  const kafka = new Kafka({
    clientId: `reimbursements-test-${randomUUID().slice(0, 8)}`,
    brokers: testKafkaBrokers(),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) return new Map();
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Every message of the topic below the given end offsets (default: the offsets now). */
export async function topicMessages(
  topic: string,
  until?: Map<number, number>,
): Promise<TopicMessage[]> {
  const ends = until ?? (await topicEndOffsets(topic));
  const wanted = [...ends].filter(([, end]) => end > 0);
  if (wanted.length === 0) return [];
  const kafka = new Kafka({
    clientId: `reimbursements-test-${randomUUID().slice(0, 8)}`,
    brokers: testKafkaBrokers(),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `reimbursements-test-${randomUUID()}` });
  const messages: TopicMessage[] = [];
  const reached = new Map<number, number>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${topic}: end offsets not reached in 30 s`)),
        30_000,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const offset = Number(message.offset);
            if (offset < (ends.get(partition) ?? 0)) {
              messages.push({
                partition,
                key: message.key?.toString('utf8') ?? null,
                value: message.value?.toString('utf8') ?? '',
              });
            }
            reached.set(partition, offset + 1);
            if (wanted.every(([p, end]) => (reached.get(p) ?? 0) >= end)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** The payloads of the access events about a patient, in the broker's order per partition. */
export async function accessEvents(
  topic: string,
  ins: string,
  until?: Map<number, number>,
): Promise<Array<{ correlationId: string; payload: Record<string, unknown> }>> {
  return (await topicMessages(topic, until))
    .filter((m) => m.key === ins)
    .map((m) => JSON.parse(m.value) as { correlationId: string; payload: Record<string, unknown> });
}
