import { RecordFactEntity } from '../records/record-fact.entity';

export const analyticsEntities = [RecordFactEntity];
