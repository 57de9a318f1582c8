import { Logger } from '@nestjs/common';
import { EventEnvelope } from '@dmp/contracts';
import { IHeaders, Kafka, Message, Partitioners, Producer, TopicMessages } from 'kafkajs';
import { eventMessage, topicOf } from './event-message';

export interface PublishMessage {
  key?: string | null;
  value: string | Buffer | null;
  headers?: IHeaders;
}

export interface KafkaPublisherOptions {
  /** Idempotent producer (exactly one copy per send even across retries); default true. */
  idempotent?: boolean;
}

/**
 * The service's one Kafka producer: acks from all in-sync replicas, idempotent, one request in
 * flight per broker so that retries never reorder messages of a key. The outbox relay and the
 * dead-letter path use it; services use it directly only for the rare publish that must not go
 * through the outbox.
 */
export class KafkaPublisher {
  private readonly logger = new Logger(KafkaPublisher.name);
  private readonly producer: Producer;
  private connecting: Promise<void> | null = null;

  constructor(kafka: Kafka, options: KafkaPublisherOptions = {}) {
    const idempotent = options.idempotent ?? true;
    this.producer = kafka.producer({
      idempotent,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connecting = null;
    });
  }

  async connect(): Promise<void> {
    if (!this.connecting) {
      this.connecting = this.producer.connect().catch((error: unknown) => {
        this.connecting = null;
        throw error;
      });
    }
    return this.connecting;
  }

  async disconnect(): Promise<void> {
    if (!this.connecting) return;
    this.connecting = null;
    await this.producer
      .disconnect()
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'producer disconnect failed', error: String(error) }),
      );
  }

  /** Publishes raw messages to one topic (acks = all). */
  async publish(topic: string, messages: PublishMessage | PublishMessage[]): Promise<void> {
    const list = Array.isArray(messages) ? messages : [messages];
    if (list.length === 0) return;
    await this.sendBatch([{ topic, messages: list as Message[] }]);
  }

  /** Publishes envelopes outside any transaction (key = envelope.key, headers as the outbox). */
  async publishEvents(
    envelopes: EventEnvelope<unknown> | EventEnvelope<unknown>[],
    topic?: string,
  ): Promise<void> {
    const list = Array.isArray(envelopes) ? envelopes : [envelopes];
    const byTopic = new Map<string, Message[]>();
    for (const envelope of list) {
      const target = topic ?? topicOf(envelope);
      const messages = byTopic.get(target) ?? [];
      messages.push(eventMessage(envelope));
      byTopic.set(target, messages);
    }
    await this.sendBatch([...byTopic].map(([t, messages]) => ({ topic: t, messages })));
  }

  /** Several topics in one request; the order of messages of one topic-partition is kept. */
  async sendBatch(topicMessages: TopicMessages[]): Promise<void> {
    if (topicMessages.length === 0) return;
    await this.connect();
    try {
      await this.producer.sendBatch({ topicMessages, acks: -1 });
    } catch (error) {
      // After a send that failed for good, the idempotent producer's sequence numbers may no
      // longer match the broker's: reconnect on the next send, with a fresh producer id.
      await this.disconnect();
      throw error;
    }
  }
}
