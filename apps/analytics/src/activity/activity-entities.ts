import { DocumentCountEntity } from './document-count.entity';
import { DocumentFactEntity } from './document-fact.entity';
import { MemberDayEntity } from './member-day.entity';
import { NotificationCountEntity } from './notification-count.entity';
import { NotificationFactEntity } from './notification-fact.entity';
import { ReimbursementFileFactEntity } from './reimbursement-file-fact.entity';

export const activityEntities = [
  DocumentFactEntity,
  DocumentCountEntity,
  MemberDayEntity,
  NotificationFactEntity,
  NotificationCountEntity,
  ReimbursementFileFactEntity,
];
