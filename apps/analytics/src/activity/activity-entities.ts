import { DistinctCountEntity } from './distinct-count.entity';
import { DistinctMemberEntity } from './distinct-member.entity';
import { DocumentCountEntity } from './document-count.entity';
import { DocumentFactEntity } from './document-fact.entity';
import { NotificationCountEntity } from './notification-count.entity';
import { NotificationFactEntity } from './notification-fact.entity';
import { ReimbursementFileFactEntity } from './reimbursement-file-fact.entity';

export const activityEntities = [
  DocumentFactEntity,
  DocumentCountEntity,
  DistinctMemberEntity,
  DistinctCountEntity,
  NotificationFactEntity,
  NotificationCountEntity,
  ReimbursementFileFactEntity,
];
