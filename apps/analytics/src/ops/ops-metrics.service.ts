import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '@dmp/observability';
import { OpsStatusService } from './ops-status.service';

type Collector = () => Promise<void>;

// prom-client metrics are process-wide while apps come and go (tests boot several in one
// process): the gauges call whichever OpsMetrics instance is current.
let current: Collector | null = null;

/**
 * The heartbeat-based view on /metrics, for Prometheus and Grafana: analytics' judgement of each
 * service (up or not), heartbeat ages, the dead letters it counted and the lag it measured for
 * every group. Computed at scrape time from the ops tables, so every analytics instance exports
 * the same figures (dashboards take the max over instances).
 */
@Injectable()
export class OpsMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OpsMetrics.name);
  // One refresh per scrape: the four gauges' collect() run together and share it.
  private inflight: Promise<void> | null = null;
  private readonly collector: Collector = () => (this.inflight ??= this.collect().finally(() => (this.inflight = null)));
  private serviceUp!: Gauge<string>;
  private heartbeatAge!: Gauge<string>;
  private deadLetters!: Gauge<string>;
  private consumerLag!: Gauge<string>;

  constructor(
    private readonly metrics: MetricsService,
    private readonly status: OpsStatusService,
  ) {}

  onModuleInit(): void {
    this.serviceUp = this.gaugeWithCollect('dmp_ops_service_up', 'Service state from heartbeats: 1 up, 0.5 degraded, 0 down', ['service']);
    this.heartbeatAge = this.gaugeWithCollect('dmp_ops_heartbeat_age_seconds', 'Seconds since the last heartbeat of each known instance', ['service', 'instance']);
    this.deadLetters = this.gaugeWithCollect('dmp_ops_dead_letters', 'Dead letters counted on the dead-letter topic, by source topic', ['source_topic']);
    this.consumerLag = this.gaugeWithCollect('dmp_ops_consumer_lag', 'Consumer lag of every group as last measured by analytics (messages)', ['group', 'topic']);
    current = this.collector;
  }

  onModuleDestroy(): void {
    if (current === this.collector) current = null;
  }

  private gaugeWithCollect(name: string, help: string, labelNames: string[]): Gauge<string> {
    const existing = this.metrics.registry.getSingleMetric(name) as Gauge<string> | undefined;
    if (existing) return existing;
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.metrics.registry],
      async collect() {
        await current?.();
      },
    });
  }

  async collect(): Promise<void> {
    try {
      const s = await this.status.status(new Date(), { withFigures: false });
      for (const gauge of [this.serviceUp, this.heartbeatAge, this.deadLetters, this.consumerLag]) gauge.reset();
      for (const service of s.services) {
        this.serviceUp.set({ service: service.service }, service.state === 'up' ? 1 : service.state === 'degraded' ? 0.5 : 0);
        for (const instance of service.instances) this.heartbeatAge.set({ service: service.service, instance: instance.instance }, instance.heartbeatAgeSeconds);
      }
      for (const d of s.deadLetters.bySourceTopic) this.deadLetters.set({ source_topic: d.sourceTopic }, d.count);
      for (const l of s.consumerLag) this.consumerLag.set({ group: l.groupId, topic: l.topic }, l.lag);
    } catch (error) {
      // A scrape must still answer: the other metrics stay, these keep their last values.
      this.logger.warn({ msg: 'ops metrics not refreshed', reason: error instanceof Error ? error.message : String(error) });
    }
  }
}
