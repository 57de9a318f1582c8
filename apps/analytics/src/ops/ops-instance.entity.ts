import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The last heartbeat of each service instance, and the counters of the one before it (rates are
 * the difference over the time between the two). Keyed by (service, instance): a heartbeat
 * replaces the row only when it is newer, so a redelivered or late one changes nothing.
 */
@Entity({ name: 'ops_instances' })
export class OpsInstanceEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_ops_instances' })
  service!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_ops_instances' })
  instance!: string;

  @Column({ type: 'text' })
  version!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ type: 'boolean' })
  ready!: boolean;

  @Column({ name: 'uptime_seconds', type: 'integer', nullable: true })
  uptimeSeconds!: number | null;

  @Column({ name: 'last_heartbeat_at', type: 'timestamptz' })
  lastHeartbeatAt!: Date;

  @Column({ name: 'http_requests', type: 'bigint', nullable: true })
  httpRequests!: string | null;

  @Column({ name: 'http_4xx', type: 'bigint', nullable: true })
  http4xx!: string | null;

  @Column({ name: 'http_5xx', type: 'bigint', nullable: true })
  http5xx!: string | null;

  @Column({ name: 'events_handled', type: 'bigint', nullable: true })
  eventsHandled!: string | null;

  @Column({ name: 'events_failed', type: 'bigint', nullable: true })
  eventsFailed!: string | null;

  @Column({ name: 'outbox_backlog', type: 'bigint', nullable: true })
  outboxBacklog!: string | null;

  @Column({ type: 'jsonb' })
  imports!: unknown[];

  @Column({ name: 'previous_at', type: 'timestamptz', nullable: true })
  previousAt!: Date | null;

  @Column({ name: 'previous_http_requests', type: 'bigint', nullable: true })
  previousHttpRequests!: string | null;

  @Column({ name: 'previous_http_4xx', type: 'bigint', nullable: true })
  previousHttp4xx!: string | null;

  @Column({ name: 'previous_http_5xx', type: 'bigint', nullable: true })
  previousHttp5xx!: string | null;

  @Column({ name: 'previous_events_handled', type: 'bigint', nullable: true })
  previousEventsHandled!: string | null;

  @Column({ name: 'previous_events_failed', type: 'bigint', nullable: true })
  previousEventsFailed!: string | null;
}
