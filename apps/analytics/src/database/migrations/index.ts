import { messagingMigrations } from '@dmp/messaging';
import { CreateRecordFacts1764200000000 } from './1764200000000-create-record-facts';
import { CreateActivityFacts1764210000000 } from './1764210000000-create-activity-facts';
import { CreateOpsTables1764300000000 } from './1764300000000-create-ops-tables';
import { ShardCounters1764400000000 } from './1764400000000-shard-counters';
import { MemberDays1764500000000 } from './1764500000000-member-days';
import { MemberMonths1764600000000 } from './1764600000000-member-months';

export const analyticsMigrations = [
  ...messagingMigrations,
  CreateRecordFacts1764200000000,
  CreateActivityFacts1764210000000,
  CreateOpsTables1764300000000,
  ShardCounters1764400000000,
  MemberDays1764500000000,
  MemberMonths1764600000000,
];
