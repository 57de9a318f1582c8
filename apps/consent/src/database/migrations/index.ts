import { messagingMigrations } from '@dmp/messaging';
import { CreateConsent1764100000000 } from './1764100000000-create-consent';

export const consentMigrations = [...messagingMigrations, CreateConsent1764100000000];
