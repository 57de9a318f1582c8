import { messagingMigrations } from '@dmp/messaging';
import { CreateRecords1764000000000 } from './1764000000000-create-records';
import { CreateBulkJobs1764000001000 } from './1764000001000-create-bulk-jobs';
import { OutboxPolling1764000002000 } from './1764000002000-outbox-polling';

export const enrolmentMigrations = [...messagingMigrations, CreateRecords1764000000000, CreateBulkJobs1764000001000, OutboxPolling1764000002000];
