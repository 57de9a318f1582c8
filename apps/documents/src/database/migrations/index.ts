import { messagingMigrations } from '@dmp/messaging';
import { CreateDocuments1764200000000 } from './1764200000000-create-documents';

export const documentsMigrations = [...messagingMigrations, CreateDocuments1764200000000];
