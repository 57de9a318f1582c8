export enum ApiKey {
  Produce = 0,
  Fetch = 1,
  ListOffsets = 2,
  Metadata = 3,
  OffsetCommit = 8,
  OffsetFetch = 9,
  FindCoordinator = 10,
  JoinGroup = 11,
  Heartbeat = 12,
  LeaveGroup = 13,
  SyncGroup = 14,
  DescribeGroups = 15,
  ListGroups = 16,
  ApiVersions = 18,
  CreateTopics = 19,
  DeleteTopics = 20,
  InitProducerId = 22,
}

/**
 * Advertised [min, max] per key. Min is always 0: librdkafka enables features only when the
 * broker's range contains specific old versions (see docs/readme/embedded-kafka.md).
 */
export const SUPPORTED_VERSIONS: ReadonlyMap<ApiKey, readonly [number, number]> = new Map<
  ApiKey,
  readonly [number, number]
>([
  [ApiKey.Produce, [0, 7]],
  [ApiKey.Fetch, [0, 11]],
  [ApiKey.ListOffsets, [0, 2]],
  [ApiKey.Metadata, [0, 6]],
  [ApiKey.OffsetCommit, [0, 5]],
  [ApiKey.OffsetFetch, [0, 4]],
  [ApiKey.FindCoordinator, [0, 2]],
  [ApiKey.JoinGroup, [0, 5]],
  [ApiKey.Heartbeat, [0, 3]],
  [ApiKey.LeaveGroup, [0, 3]],
  [ApiKey.SyncGroup, [0, 3]],
  [ApiKey.DescribeGroups, [0, 2]],
  [ApiKey.ListGroups, [0, 2]],
  [ApiKey.ApiVersions, [0, 3]],
  [ApiKey.CreateTopics, [0, 3]],
  [ApiKey.DeleteTopics, [0, 1]],
  [ApiKey.InitProducerId, [0, 1]],
]);

export function isSupported(key: number, version: number): boolean {
  const range = SUPPORTED_VERSIONS.get(key as ApiKey);
  return range !== undefined && version >= range[0] && version <= range[1];
}
