import { messagingMigrations } from '@dmp/messaging';
import { CreateDocuments1764200000000 } from './1764200000000-create-documents';
import { StoreBlobsUncompressed1764300000000 } from './1764300000000-store-blobs-uncompressed';
import { DeleteBodiesAndTrackRepresentatives1764300000001 } from './1764300000001-delete-bodies-and-track-representatives';
import { CreateBlobLocations1764400000000 } from './1764400000000-create-blob-locations';

export const documentsMigrations = [...messagingMigrations, CreateDocuments1764200000000, StoreBlobsUncompressed1764300000000, DeleteBodiesAndTrackRepresentatives1764300000001, CreateBlobLocations1764400000000];
