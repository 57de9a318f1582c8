export { startBroker } from './broker';
export type { BrokerHandle, BrokerOptions } from './broker';
export type {
  BrokerStats,
  GroupStats,
  GroupMemberStats,
  GroupOffsetStats,
  PartitionStats,
} from './stats';
export type { BrokerLogger, LogLevel } from './logger';
export { createJsonLogger } from './logger';
export type { Durability } from './server/request-handlers';
