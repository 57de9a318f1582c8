import { Inject, Injectable } from '@nestjs/common';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EntityManager } from 'typeorm';
import { EventEnvelope, FileAnnouncedPayload, Topics } from '@dmp/contracts';
import { HandleEvent, NonRetryableError } from '@dmp/messaging';
import { SERVICE_CONFIG } from '@dmp/platform';
import { ReimbursementsConfig } from '../config';
import { ImportSource } from '../import/feed-importer';
import { ImportQueueService } from './import-queue.service';

/**
 * The insurer's control topic: "file X is ready at location L, sha256 S, N lines". The entry is
 * queued in the inbox transaction, so an announcement is never lost nor imported twice.
 */
@Injectable()
export class FileAnnouncedHandler {
  constructor(
    private readonly queue: ImportQueueService,
    @Inject(SERVICE_CONFIG) private readonly config: ReimbursementsConfig,
  ) {}

  @HandleEvent(Topics.FILE_ANNOUNCEMENTS)
  async handle(
    envelope: EventEnvelope<FileAnnouncedPayload>,
    manager: EntityManager,
  ): Promise<void> {
    const p = envelope.payload;
    await this.queue.enqueue(
      {
        location: this.localPath(p.location),
        sha256: p.sha256,
        expectedLines: p.lineCount,
        expectedFileId: p.fileId,
        source: ImportSource.ANNOUNCEMENT,
        correlationId: envelope.correlationId,
      },
      manager,
    );
  }

  /** Paths and file: URLs; relative paths are under the drop folder. Remote stores are not supported yet. */
  private localPath(location: string): string {
    if (location.startsWith('file:')) return fileURLToPath(location);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
      throw new NonRetryableError(
        `location ${location}: only local paths and file: URLs are supported`,
      );
    return isAbsolute(location) ? location : resolve(this.config.REIMBURSEMENTS_DROP_DIR, location);
  }
}
