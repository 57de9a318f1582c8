import { messagingEntities } from '@dmp/messaging';

// The service's own tables are read and written with SQL (COPY, partitions, ON CONFLICT); only
// the platform's outbox and inbox go through TypeORM entities.
export const reimbursementsEntities = [...messagingEntities];
