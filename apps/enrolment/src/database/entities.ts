import { messagingEntities } from '@dmp/messaging';
import { BulkJobEntity, BulkJobResultEntity } from '../bulk/bulk-job.entity';
import { RecordEntity } from '../records/record.entity';

export const enrolmentEntities = [...messagingEntities, RecordEntity, BulkJobEntity, BulkJobResultEntity];
