import { Counter, Gauge, Histogram, register } from 'prom-client';

// The metrics live in prom-client's default registry, which @dmp/observability serves on
// /metrics. Get-or-create, because tests build several modules in one process.
function gauge(name: string, help: string, labelNames: string[]): Gauge<string> {
  return (
    (register.getSingleMetric(name) as Gauge<string> | undefined) ??
    new Gauge({ name, help, labelNames })
  );
}
function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (
    (register.getSingleMetric(name) as Counter<string> | undefined) ??
    new Counter({ name, help, labelNames })
  );
}
function histogram(name: string, help: string, labelNames: string[]): Histogram<string> {
  return (
    (register.getSingleMetric(name) as Histogram<string> | undefined) ??
    new Histogram({
      name,
      help,
      labelNames,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    })
  );
}

/** The metrics @dmp/messaging maintains (names are part of the dashboards: keep them). */
export const messagingMetrics = {
  get outboxBacklog(): Gauge<string> {
    return gauge('dmp_outbox_backlog', 'Outbox rows not yet published to Kafka', ['service']);
  },
  get outboxPublished(): Counter<string> {
    return counter('dmp_outbox_published_total', 'Outbox rows published to Kafka', [
      'service',
      'topic',
    ]);
  },
  get relayLeader(): Gauge<string> {
    return gauge('dmp_outbox_relay_leader', '1 when this instance holds the outbox relay lock', [
      'service',
    ]);
  },
  get deadLettered(): Counter<string> {
    return counter('dmp_dead_letter_total', 'Messages sent to the dead-letter topic', [
      'service',
      'topic',
      'reason',
    ]);
  },
  get consumerLag(): Gauge<string> {
    return gauge('dmp_consumer_lag', 'High watermark minus committed offset', [
      'group',
      'topic',
      'partition',
    ]);
  },
  get handled(): Counter<string> {
    return counter(
      'dmp_events_handled_total',
      'Events handled by a consumer (outcome: handled, duplicate, dead-lettered)',
      ['service', 'topic', 'outcome'],
    );
  },
  get handleDuration(): Histogram<string> {
    return histogram(
      'dmp_event_handle_duration_seconds',
      'Time to handle one event or one batch (transaction included)',
      ['service', 'topic'],
    );
  },
  get handlerRetries(): Counter<string> {
    return counter(
      'dmp_event_handler_retries_total',
      'Handler attempts that failed and were retried',
      ['service', 'topic'],
    );
  },
};
