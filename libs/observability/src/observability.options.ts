export const OBSERVABILITY_OPTIONS = Symbol('OBSERVABILITY_OPTIONS');

export interface ObservabilityModuleOptions {
  serviceName: string;
  /** The running version (package version or image tag), in heartbeats and `dmp_build_info`. */
  version: string;
  /** Names this instance (INSTANCE_ID); default hostname-pid. */
  instanceId?: string;
  /** Kafka bootstrap list, for the readiness check and the heartbeat. No broker, no Kafka check. */
  kafkaBrokers?: string[];
  kafkaClientId?: string;
  /** 0 disables the heartbeat. Default 5000. */
  heartbeatIntervalMs?: number;
  /** Whether readiness checks the database through TypeORM (default true). */
  databaseCheck?: boolean;
  /** Per-check timeout of readiness (default 3000 ms). */
  checkTimeoutMs?: number;
}
