import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, register } from 'prom-client';

let defaultMetricsCollected = false;

/**
 * The service's door to prom-client's default registry (the one /metrics serves, and the one
 * @dmp/messaging writes its outbox, lag and dead-letter metrics to). Get-or-create, because
 * tests build several apps in one process and prom-client refuses a second registration.
 */
@Injectable()
export class MetricsService {
  readonly registry: Registry = register;

  constructor() {
    if (!defaultMetricsCollected) {
      defaultMetricsCollected = true;
      collectDefaultMetrics({ register: this.registry });
    }
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    return (this.registry.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
    return (this.registry.getSingleMetric(name) as Gauge<string> | undefined) ?? new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  histogram(name: string, help: string, labelNames: string[] = [], buckets?: number[]): Histogram<string> {
    return (
      (this.registry.getSingleMetric(name) as Histogram<string> | undefined) ??
      new Histogram({ name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets } : {}) })
    );
  }

  /** HTTP requests by method, route template and status (route, not URL, to bound cardinality). */
  get httpRequests(): Counter<string> {
    return this.counter('http_requests_total', 'HTTP requests handled', ['method', 'route', 'status']);
  }

  get httpDuration(): Histogram<string> {
    return this.histogram('http_request_duration_seconds', 'HTTP request duration', ['method', 'route', 'status'], [
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]);
  }

  /** 1 with labels service, instance, version: lets dashboards list the running instances. */
  get buildInfo(): Gauge<string> {
    return this.gauge('dmp_build_info', 'Running instance (value 1)', ['service', 'instance', 'version']);
  }

  /** 1 when the instance is ready (same as /health/ready's own state, without the dependency checks). */
  get up(): Gauge<string> {
    return this.gauge('dmp_instance_ready', '1 when the instance reports ready', ['service', 'instance']);
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }
}
