import { messagingMigrations } from '@dmp/messaging';
import { CreateDocuments1764200000000 } from './1764200000000-create-documents';
import { StoreBlobsUncompressed1764300000000 } from './1764300000000-store-blobs-uncompressed';
import { DeleteBodiesAndTrackRepresentatives1764300000001 } from './1764300000001-delete-bodies-and-track-representatives';

export const documentsMigrations = [...messagingMigrations, CreateDocuments1764200000000, StoreBlobsUncompressed1764300000000, DeleteBodiesAndTrackRepresentatives1764300000001];
