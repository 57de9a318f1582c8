import { activityEntities } from '../activity/activity-entities';
import { opsEntities } from '../ops/ops-entities';
import { RecordFactEntity } from '../records/record-fact.entity';

export const analyticsEntities = [RecordFactEntity, ...activityEntities, ...opsEntities];
