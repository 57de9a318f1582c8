import 'reflect-metadata';
import { loadavg } from 'node:os';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@dmp/platform';
import { AnalyticsConfig } from '../config';
import { rebuildAnalytics, RebuildError } from './rebuild-analytics';

// `npm run analytics:rebuild`: empties the figure tables and replays the topics from the start
// through the service's own handlers. Same environment as the service (DATABASE_URL,
// KAFKA_BROKERS...). Stop the analytics service first. Last line: one JSON object.
async function main(): Promise<void> {
  const config = loadConfig(AnalyticsConfig);
  // The consumer logs through Nest's logger: keep its start-up chatter out of the progress lines.
  Logger.overrideLogger(['warn', 'error']);
  const format = (n: number): string => Math.round(n).toLocaleString('en-GB');
  console.log(`rebuild: emptying the figure tables and replaying the topics from the start (group dmp-analytics)`);
  const result = await rebuildAnalytics({
    databaseUrl: config.DATABASE_URL,
    brokers: config.KAFKA_BROKERS,
    onStep: (step) => console.log(`rebuild: ${step}`),
    onProgress: (p) =>
      console.log(`rebuild: ${format(p.handled)} / ${format(p.total)} events (${p.total > 0 ? Math.min(100, Math.round((p.handled * 100) / p.total)) : 100} %), ${format(p.eventsPerSecond)} events/s, ${p.seconds.toFixed(1)} s`),
  });
  console.log(`rebuild: done, ${format(result.events)} events from ${result.topics} topics in ${result.seconds.toFixed(1)} s (${format(result.eventsPerSecond)} events/s)`);
  console.log(
    JSON.stringify({
      rebuild: 'analytics',
      events: result.events,
      seconds: Math.round(result.seconds * 100) / 100,
      events_per_s: Math.round(result.eventsPerSecond),
      cpu_seconds: Math.round(result.cpuSeconds * 100) / 100,
      load_average_1m: Math.round(loadavg()[0] * 100) / 100,
    }),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof RebuildError ? `rebuild refused: ${error.message}` : error);
    process.exit(1);
  },
);
