import { DocumentCountEntity } from './document-count.entity';
import { DocumentFactEntity } from './document-fact.entity';
import { MemberMonthEntity } from './member-month.entity';
import { NotificationCountEntity } from './notification-count.entity';
import { NotificationFactEntity } from './notification-fact.entity';
import { ReimbursementFileFactEntity } from './reimbursement-file-fact.entity';

export const activityEntities = [
  DocumentFactEntity,
  DocumentCountEntity,
  MemberMonthEntity,
  NotificationFactEntity,
  NotificationCountEntity,
  ReimbursementFileFactEntity,
];
