import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, ReceivedSubmissionPayload, Topics, decodeSubmission } from '@dmp/contracts';
import { ActorRole } from '@dmp/domain';
import { HandleEvent } from '@dmp/messaging';
import { SubmissionPipeline } from './submission-pipeline.service';

/**
 * The Kafka way in. A batch of submissions of one partition is filed in one transaction (with
 * the inbox rows of their events): a crash before the commit replays the whole batch, after it
 * replays nothing, so a document is stored once whatever happens. Submissions come JSON-encoded
 * (bodies inline in base64) or binary-encoded (bodies as raw bytes after a JSON header: see
 * binary-submission.ts in @dmp/contracts), the latter for large bodies.
 */
@Injectable()
export class SubmissionsHandler {
  constructor(private readonly pipeline: SubmissionPipeline) {}

  @HandleEvent(Topics.DOCUMENT_SUBMISSIONS, { batch: true, maxBatchSize: 500, decode: decodeSubmission })
  async submissions(envelopes: EventEnvelope<ReceivedSubmissionPayload>[], manager: EntityManager): Promise<void> {
    await this.pipeline.submit(
      manager,
      envelopes.map((envelope) => ({
        submissionId: envelope.payload.submissionId,
        establishment: envelope.payload.establishment,
        documents: envelope.payload.documents,
        way: 'kafka' as const,
        addedBy: { role: ActorRole.ESTABLISHMENT, id: envelope.payload.establishment.finess },
        correlationId: envelope.correlationId,
        ...(envelope.payload.bodies ? { bodies: new Map(envelope.payload.bodies.map((body, index) => [index, body])) } : {}),
      })),
    );
  }
}
