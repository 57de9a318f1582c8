import { BlobLocationEntity } from '../blobs/blob-location.entity';
import { BlobEntity } from '../blobs/blob.entity';
import { DocumentEntity } from '../documents/document.entity';
import { ParkedDocumentEntity } from '../records/parked-document.entity';
import { PatientEntity } from '../records/patient.entity';

export const documentsEntities = [DocumentEntity, BlobEntity, BlobLocationEntity, PatientEntity, ParkedDocumentEntity];
