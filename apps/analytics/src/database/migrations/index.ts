import { messagingMigrations } from '@dmp/messaging';
import { CreateRecordFacts1764200000000 } from './1764200000000-create-record-facts';

export const analyticsMigrations = [...messagingMigrations, CreateRecordFacts1764200000000];
