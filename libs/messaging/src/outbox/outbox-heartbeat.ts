import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { HeartbeatContributors } from '@dmp/observability';
import { DataSource } from 'typeorm';
import { messagingMetrics } from '../metrics/messaging-metrics';
import { MESSAGING_OPTIONS, MessagingModuleOptions } from '../messaging.options';
import { findOutboxBacklog } from './outbox.service';

/** What messaging adds to each heartbeat of the service. */
export interface MessagingHeartbeatFields {
  outboxBacklog: number;
  eventsHandled: number;
  eventsFailed: number;
}

/**
 * Adds the outbox backlog (rows not yet published) and the events this instance handled and
 * dead-lettered to the service's heartbeats, for the operators' dashboard. Optional: a module
 * built without @dmp/observability (library tests) simply has no heartbeat to add to.
 */
@Injectable()
export class MessagingHeartbeatContributor implements OnModuleInit, OnModuleDestroy {
  private unregister: (() => void) | undefined;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
    private readonly dataSource: DataSource,
    @Optional() private readonly contributors?: HeartbeatContributors,
  ) {}

  onModuleInit(): void {
    this.unregister = this.contributors?.add('messaging', () => this.fields());
  }

  onModuleDestroy(): void {
    this.unregister?.();
  }

  async fields(): Promise<MessagingHeartbeatFields> {
    let eventsHandled = 0;
    let eventsFailed = 0;
    // The counter lives in the process-wide registry; tests run several services in one process.
    for (const { value, labels } of (await messagingMetrics.handled.get()).values) {
      if (labels['service'] !== this.options.serviceName) continue;
      if (labels['outcome'] === 'handled') eventsHandled += value;
      else if (labels['outcome'] === 'dead-lettered') eventsFailed += value;
    }
    // Uses the partial index on unpublished rows: a count of the backlog only.
    const outboxBacklog = this.dataSource.isInitialized ? await findOutboxBacklog(this.dataSource) : 0;
    return { outboxBacklog, eventsHandled, eventsFailed };
  }
}
