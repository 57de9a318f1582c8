import { messagingMigrations } from '@dmp/messaging';
import { CreateRecords1764000000000 } from './1764000000000-create-records';
import { CreateBulkJobs1764000001000 } from './1764000001000-create-bulk-jobs';

export const enrolmentMigrations = [...messagingMigrations, CreateRecords1764000000000, CreateBulkJobs1764000001000];
