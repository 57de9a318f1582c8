import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DocumentSubmissionPayload, EventEnvelope, Topics } from '@dmp/contracts';
import { ActorRole } from '@dmp/domain';
import { HandleEvent } from '@dmp/messaging';
import { SubmissionPipeline } from './submission-pipeline.service';

/**
 * The Kafka way in. A batch of submissions of one partition is filed in one transaction (with
 * the inbox rows of their events): a crash before the commit replays the whole batch, after it
 * replays nothing, so a document is stored once whatever happens.
 */
@Injectable()
export class SubmissionsHandler {
  constructor(private readonly pipeline: SubmissionPipeline) {}

  @HandleEvent(Topics.DOCUMENT_SUBMISSIONS, { batch: true, maxBatchSize: 500 })
  async submissions(envelopes: EventEnvelope<DocumentSubmissionPayload>[], manager: EntityManager): Promise<void> {
    await this.pipeline.submit(
      manager,
      envelopes.map((envelope) => ({
        submissionId: envelope.payload.submissionId,
        establishment: envelope.payload.establishment,
        documents: envelope.payload.documents,
        way: 'kafka' as const,
        addedBy: { role: ActorRole.ESTABLISHMENT, id: envelope.payload.establishment.finess },
        correlationId: envelope.correlationId,
      })),
    );
  }
}
