import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@dmp/platform';
import { BLOB_STORE, BlobStore, FileBlobStore, PostgresBlobStore } from '../blobs/blob-store';
import { OrphanBlobSweeper } from '../blobs/orphan-blob-sweeper.service';
import { PackBlobStore } from '../blobs/pack-blob-store';
import { DocumentsConfig } from '../config';
import { ParkedSweeper } from '../records/parked-sweeper.service';
import { PatientsStore } from '../records/patients.store';
import { RecordEventsHandler } from '../records/record-events.handler';
import { SubmissionPipeline } from './submission-pipeline.service';
import { SourceSubmissionsController } from './source-submissions.controller';
import { SubmissionsController } from './submissions.controller';
import { SubmissionsHandler } from './submissions.handler';

@Module({
  controllers: [SubmissionsController, SourceSubmissionsController],
  providers: [
    {
      provide: BLOB_STORE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: DocumentsConfig): BlobStore =>
        config.DOCUMENTS_BLOB_STORE === 'files'
          ? new FileBlobStore(config.DOCUMENTS_BLOB_DIR)
          : config.DOCUMENTS_BLOB_STORE === 'packs'
            ? new PackBlobStore(config.DOCUMENTS_BLOB_DIR, { direct: config.DOCUMENTS_PACK_DIRECT_IO })
            : new PostgresBlobStore(),
    },
    PatientsStore,
    SubmissionPipeline,
    SubmissionsHandler,
    RecordEventsHandler,
    ParkedSweeper,
    OrphanBlobSweeper,
  ],
  exports: [BLOB_STORE, PatientsStore, SubmissionPipeline, ParkedSweeper],
})
export class SubmissionsModule {}
