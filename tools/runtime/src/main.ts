import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDatabase, redactUrl, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@dmp/persistence';
import { startBroker, type BrokerHandle } from '@dmp/embedded-kafka';
import { planRuntime, UsageError, type RuntimePlan } from './plan';
import { ServiceInstance } from './service-runner';
import { renderTable } from './table';

const READY_TIMEOUT_MS = Number(process.env['RUNTIME_READY_TIMEOUT_MS'] ?? 120_000);
const STOP_TIMEOUT_MS = 15_000;

function say(message: string): void {
  process.stdout.write(`runtime          | ${message}\n`);
}

/** dist/tools/runtime/src/main.js -> the repository root. */
function repositoryRoot(): string {
  return resolve(__dirname, '..', '..', '..', '..');
}

async function startInfrastructure(
  plan: RuntimePlan,
  onStarted: (stop: () => Promise<void>, name: string) => void,
): Promise<void> {
  mkdirSync(plan.dataDir, { recursive: true });
  if (plan.embeddedPostgres) {
    const started = Date.now();
    let postgres: EmbeddedPostgresHandle;
    try {
      postgres = await startEmbeddedPostgres({
        dataDir: plan.embeddedPostgres.dataDir,
        port: plan.embeddedPostgres.port,
        ownProcessGroup: true,
        onLog: (line) => {
          // Connection attempts while the server starts log FATAL "starting up": expected, not news.
          if (/ERROR|FATAL|PANIC/.test(line) && !/starting up|shutting down/.test(line)) say(`postgres: ${line}`);
        },
      });
    } catch (error) {
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\n` +
          `Port ${plan.embeddedPostgres.port} busy? Another \`npm start\` may be running; or set DATABASE_URL to use your own PostgreSQL.`,
      );
    }
    onStarted(() => postgres.stop(), 'PostgreSQL');
    say(
      `PostgreSQL ${postgres.initialised ? 'created' : postgres.adopted ? 'found running (left by a killed run)' : 'found'} in ${plan.embeddedPostgres.dataDir}, ` +
        `listening on 127.0.0.1:${postgres.port} (${Date.now() - started} ms)`,
    );
  } else {
    say('PostgreSQL: external (DATABASE_URL / DATABASE_URL_<SERVICE> set), no embedded server');
  }
  const databaseUrls = new Set(plan.instances.map((instance) => instance.databaseUrl));
  for (const url of databaseUrls) {
    try {
      if (await ensureDatabase(url)) say(`created database ${redactUrl(url)}`);
    } catch (error) {
      // An external server may not let us create databases; the service's boot will say if it is missing.
      say(`could not check database ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (plan.embeddedKafka) {
    let broker: BrokerHandle;
    try {
      broker = await startBroker({
        host: '127.0.0.1',
        port: plan.embeddedKafka.port,
        dataDir: plan.embeddedKafka.dataDir,
        quiet: true,
      });
    } catch (error) {
      throw new Error(
        `the embedded broker did not start on 127.0.0.1:${plan.embeddedKafka.port}: ${error instanceof Error ? error.message : String(error)}\n` +
          'Port busy? Another `npm start` may be running; or set KAFKA_BROKERS to use your own Kafka.',
      );
    }
    onStarted(() => broker.stop(), 'broker');
    say(`broker listening on ${broker.bootstrap} (data in ${plan.embeddedKafka.dataDir})`);
  } else {
    say(`Kafka: external (KAFKA_BROKERS=${plan.kafkaBrokers}), no embedded broker`);
  }
}

function summary(instances: ServiceInstance[]): string {
  const rows = instances.map((instance) => {
    const ready = instance.state === 'ready';
    return [
      instance.plan.instanceId,
      ready || instance.state === 'starting' ? instance.url : '-',
      ready ? `${instance.url}/docs` : '-',
      ready ? `${instance.url}/health/ready` : '-',
      instance.state === 'ready' ? 'ready' : `${instance.state.toUpperCase()}: ${instance.reason}`,
    ];
  });
  return renderTable(['service', 'URL', 'OpenAPI', 'health', 'status'], rows);
}

async function main(): Promise<void> {
  const root = repositoryRoot();
  let plan: RuntimePlan;
  try {
    plan = planRuntime(process.argv.slice(2), process.env, root);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  // Stopped in reverse order of start: services, then the broker, then PostgreSQL.
  const infrastructure: Array<{ name: string; stop: () => Promise<void> }> = [];
  const instances = plan.instances.map((p, i) => new ServiceInstance(p, root, plan.kafkaBrokers, i));
  let stopping = false;
  const shutdown = async (reason: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(`stopping (${reason}): services first`);
    await Promise.all(instances.map((instance) => instance.stop(STOP_TIMEOUT_MS)));
    for (const { name, stop } of infrastructure.reverse()) {
      say(`stopping ${name}`);
      await stop().catch((error: unknown) => say(`${name} did not stop cleanly: ${String(error)}`));
    }
    say('stopped');
    process.exit(code);
  };
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) {
      say('second interrupt: exiting now');
      process.exit(130);
    }
    void shutdown(signal, 0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  try {
    await startInfrastructure(plan, (stop, name) => infrastructure.push({ name, stop }));
  } catch (error) {
    process.stderr.write(`runtime: ${error instanceof Error ? error.message : String(error)}\n`);
    await shutdown('infrastructure failed', 1);
    return;
  }
  if (stopping) return;

  for (const instance of instances) instance.start();
  const missing = instances.filter((i) => i.state === 'missing');
  for (const instance of missing) say(`${instance.plan.service}: ${instance.reason}`);
  const started = Date.now();
  await Promise.all(instances.map((instance) => instance.waitReady(READY_TIMEOUT_MS)));
  if (stopping) return;

  const ready = instances.filter((i) => i.state === 'ready');
  for (const instance of instances.filter((i) => i.state === 'failed')) {
    say(`${instance.plan.instanceId} FAILED: ${instance.reason}\n${instance.lastLines().map((l) => `    ${l}`).join('\n')}`);
  }
  const table = summary(instances);
  process.stdout.write(`\n${table}\n\n`);
  say(
    `${ready.length}/${instances.length} instance(s) ready in ${Math.round((Date.now() - started) / 100) / 10} s` +
      (missing.length ? `; missing: ${[...new Set(missing.map((m) => m.plan.service))].join(', ')}` : '') +
      '. Ctrl-C stops everything.',
  );
  if (ready.length === 0 && instances.length > 0 && missing.length === instances.length) {
    say('no service is built: run `npm run build` (npm start does) or check apps/*/src/main.ts');
  }
  say(`data: ${join(plan.dataDir)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`runtime: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
