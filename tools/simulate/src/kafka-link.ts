import { createHash } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import {
  BackfillRequestedPayload,
  DocumentSubmissionEvent,
  DocumentSubmissionPayload,
  DocumentSubmissionResultsPayload,
  FileAnnouncedEvent,
  FileAnnouncedPayload,
  FileImportedPayload,
  Topics,
  createEvent,
  serializeEvent,
} from '@dmp/contracts';
import { sleep } from './suite-http';

/** A uuid v4 derived from a name: a retried produce carries the same event id (the inbox drops the copy). */
export function stableUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface Envelope<P> {
  eventId: string;
  occurredAt: string;
  payload: P;
}

export interface KafkaLinkOptions {
  brokers: string[];
  runId: string;
  /** Called for every submission result of this run's submissions (filtered by submission id prefix). */
  onSubmissionResult: (result: DocumentSubmissionResultsPayload) => void;
  submissionPrefix: string;
  /** Called for every backfill request published at or after `since`. */
  onBackfillRequest: (request: BackfillRequestedPayload) => void;
  /** Called for every file import summary published at or after `since` (the insurer's files' outcomes). */
  onFileImported?: (summary: FileImportedPayload) => void;
  since: Date;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * The simulator's side of the topics: establishments produce submissions and read their results;
 * the insurer reads backfill requests and may announce files on the control topic. Consumers
 * use groups of their own (one per run) from the beginning of the topics and keep only what
 * belongs to this run, so nothing is missed between joining and the first message.
 */
export class KafkaLink {
  private readonly kafka: Kafka;
  private producer?: Producer;
  private readonly consumers: Consumer[] = [];
  private closed = false;

  constructor(private readonly options: KafkaLinkOptions) {
    this.kafka = new Kafka({
      clientId: `dmp-simulator-${options.runId}`,
      brokers: options.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
  }

  async start(): Promise<void> {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
    });
    this.producer = producer;
    await this.connectWithRetry(() => producer.connect(), 'producer');
    await this.consume(
      `dmp-simulator-results-${this.options.runId}`,
      Topics.DOCUMENT_SUBMISSION_RESULTS,
      (envelope: Envelope<DocumentSubmissionResultsPayload>) => {
        if (envelope.payload?.submissionId?.startsWith(this.options.submissionPrefix))
          this.options.onSubmissionResult(envelope.payload);
      },
    );
    await this.consume(
      `dmp-simulator-insurer-${this.options.runId}`,
      Topics.BACKFILL_REQUESTS,
      (envelope: Envelope<BackfillRequestedPayload>) => {
        const at = Date.parse(envelope.payload?.requestedAt ?? envelope.occurredAt);
        // Requests of earlier runs stay in the topic; the insurer answered them then.
        if (envelope.payload && at >= this.options.since.getTime() - 5_000)
          this.options.onBackfillRequest(envelope.payload);
      },
    );
    const onFileImported = this.options.onFileImported;
    if (onFileImported)
      await this.consume(
        `dmp-simulator-imports-${this.options.runId}`,
        Topics.FILE_IMPORTED,
        (envelope: Envelope<FileImportedPayload>) => {
          const at = Date.parse(envelope.payload?.completedAt ?? envelope.occurredAt);
          // Summaries of earlier runs stay in the topic (file ids repeat from seed to seed).
          if (envelope.payload && at >= this.options.since.getTime() - 5_000)
            onFileImported(envelope.payload);
        },
      );
  }

  private async connectWithRetry(connect: () => Promise<void>, what: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await connect();
        return;
      } catch (error) {
        if (attempt >= 30 || this.options.signal?.aborted) throw error;
        this.options.log(
          `kafka ${what}: ${error instanceof Error ? error.message : String(error)}; retrying`,
        );
        await sleep(Math.min(5_000, 200 * attempt), this.options.signal);
      }
    }
  }

  private async consume<P>(
    groupId: string,
    topic: string,
    handle: (envelope: Envelope<P>) => void,
  ): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: true,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 500,
      // A broker restart in the middle of a chaos run: rejoin instead of giving up.
      retry: {
        retries: 30,
        initialRetryTime: 200,
        maxRetryTime: 5_000,
        restartOnFailure: async () => !this.closed,
      },
    });
    this.consumers.push(consumer);
    await this.connectWithRetry(() => consumer.connect(), `consumer ${topic}`);
    await this.connectWithRetry(
      () => consumer.subscribe({ topic, fromBeginning: true }),
      `subscribe ${topic}`,
    );
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value) return;
        try {
          handle(JSON.parse(message.value.toString('utf8')) as Envelope<P>);
        } catch {
          // Not an envelope (someone else's poison message): not ours to judge.
        }
      },
    });
  }

  /** Produces one submission; the event id derives from the submission id, so a retry is the same event. */
  async produceSubmission(
    payload: DocumentSubmissionPayload,
    deadlineMs: number,
  ): Promise<{ ok: boolean; attempts: number; error?: string }> {
    const envelope = createEvent(DocumentSubmissionEvent, payload, {
      producer: 'dmp-simulator',
      correlationId: payload.submissionId,
      eventId: stableUuid(`submission:${payload.submissionId}`),
    });
    return this.produce(Topics.DOCUMENT_SUBMISSIONS, serializeEvent(envelope), deadlineMs);
  }

  async announceFile(
    payload: FileAnnouncedPayload,
    deadlineMs: number,
  ): Promise<{ ok: boolean; attempts: number; error?: string }> {
    const envelope = createEvent(FileAnnouncedEvent, payload, {
      producer: 'dmp-simulator-insurer',
      correlationId: payload.fileId,
      eventId: stableUuid(`announcement:${payload.fileId}`),
    });
    return this.produce(Topics.FILE_ANNOUNCEMENTS, serializeEvent(envelope), deadlineMs);
  }

  private async produce(
    topic: string,
    message: { key: string; value: string; headers: Record<string, string> },
    deadlineMs: number,
  ): Promise<{ ok: boolean; attempts: number; error?: string }> {
    const deadline = Date.now() + deadlineMs;
    let attempts = 0;
    let error = '';
    while (!this.options.signal?.aborted) {
      attempts++;
      try {
        if (!this.producer) throw new Error('the Kafka link is not started');
        await this.producer.send({ topic, acks: -1, messages: [message] });
        return { ok: true, attempts };
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        if (Date.now() >= deadline) break;
        await sleep(Math.min(5_000, 200 * attempts), this.options.signal);
      }
    }
    return { ok: false, attempts, error };
  }

  async stop(): Promise<void> {
    this.closed = true;
    await Promise.all(this.consumers.map((c) => c.disconnect().catch(() => undefined)));
    await this.producer?.disconnect().catch(() => undefined);
  }
}
