import { messagingMigrations } from '@dmp/messaging';
import { CreateReimbursements1764100000000 } from './1764100000000-create-reimbursements';

export const reimbursementsMigrations = [...messagingMigrations, CreateReimbursements1764100000000];
