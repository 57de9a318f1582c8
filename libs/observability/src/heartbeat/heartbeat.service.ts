import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { createEvent, HeartbeatEvent, serializeEvent, Topics } from '@dmp/contracts';
import { OBSERVABILITY_OPTIONS, ObservabilityModuleOptions } from '../observability.options';
import { ReadinessService } from '../health/readiness.service';
import { MetricsService } from '../metrics/metrics.service';
import { HeartbeatContributors } from './heartbeat-contributors';

/**
 * Publishes a heartbeat on `dmp.ops.heartbeat.v1` every HEARTBEAT_INTERVAL_MS. Heartbeats are
 * ephemeral (the next one supersedes a lost one), so they go straight to Kafka, not through the
 * outbox, and a failure is a warning, never a crash: the service must keep serving without them.
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HeartbeatService.name);
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private producer: Producer | undefined;
  private connected = false;
  private sending = false;
  private failures = 0;
  private sent = 0;

  constructor(
    @Inject(OBSERVABILITY_OPTIONS) private readonly options: ObservabilityModuleOptions,
    private readonly readiness: ReadinessService,
    private readonly metrics: MetricsService,
    private readonly contributors: HeartbeatContributors,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.options.heartbeatIntervalMs ?? 5_000;
    const brokers = this.options.kafkaBrokers ?? [];
    const instance = this.instance;
    this.metrics.buildInfo.set({ service: this.options.serviceName, instance, version: this.options.version }, 1);
    this.contributors.add('http', () => this.httpCounts());
    if (interval <= 0 || brokers.length === 0) return;
    this.producer = new Kafka({
      clientId: `${this.options.kafkaClientId ?? `dmp-${this.options.serviceName}`}-heartbeat`,
      brokers,
      connectionTimeout: 3_000,
      retry: { retries: 1 },
      logLevel: logLevel.NOTHING,
    }).producer({ allowAutoTopicCreation: true });
    this.timer = setInterval(() => void this.beat(), interval);
    // A heartbeat alone must not keep the process alive.
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const producer = this.producer;
    this.producer = undefined;
    if (producer && this.connected) await producer.disconnect().catch(() => undefined);
  }

  /** Heartbeats published so far (for tests and the ops endpoint). */
  get published(): number {
    return this.sent;
  }

  private get instance(): string {
    return this.options.instanceId ?? `unknown-${process.pid}`;
  }

  /** HTTP requests answered by this process since it started, and how many were 4xx and 5xx. */
  private async httpCounts(): Promise<{ httpRequests: number; http4xx: number; http5xx: number }> {
    const counts = { httpRequests: 0, http4xx: 0, http5xx: 0 };
    for (const { value, labels } of (await this.metrics.httpRequests.get()).values) {
      counts.httpRequests += value;
      const status = String(labels['status'] ?? '');
      if (status.startsWith('4')) counts.http4xx += value;
      else if (status.startsWith('5')) counts.http5xx += value;
    }
    return counts;
  }

  /** Sends one heartbeat now; never throws. */
  async beat(): Promise<void> {
    const producer = this.producer;
    if (!producer || this.sending) return;
    this.sending = true;
    const ready = this.readiness.isReady;
    this.metrics.up.set({ service: this.options.serviceName, instance: this.instance }, ready ? 1 : 0);
    try {
      if (!this.connected) {
        await producer.connect();
        this.connected = true;
      }
      const envelope = createEvent(
        HeartbeatEvent,
        {
          service: this.options.serviceName,
          instance: this.instance,
          version: this.options.version,
          startedAt: this.startedAt,
          ready,
          uptimeSeconds: Math.round(process.uptime()),
          ...(await this.contributors.collect(Math.max(200, Math.min(2_000, (this.options.heartbeatIntervalMs ?? 5_000) / 2)))),
        },
        { producer: this.options.serviceName, correlationId: `heartbeat-${this.instance}` },
      );
      await producer.send({ topic: Topics.HEARTBEAT, messages: [serializeEvent(envelope)] });
      this.sent++;
      if (this.failures > 0) this.logger.log({ msg: 'heartbeat publishing recovered', after: this.failures });
      this.failures = 0;
    } catch (error) {
      this.failures++;
      // Log the first failure and then every 12th (a minute at the default period), not each one.
      if (this.failures === 1 || this.failures % 12 === 0) {
        this.logger.warn({
          msg: 'heartbeat not published',
          failures: this.failures,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
      if (this.connected) {
        this.connected = false;
        await producer.disconnect().catch(() => undefined);
      }
    } finally {
      this.sending = false;
    }
  }
}
