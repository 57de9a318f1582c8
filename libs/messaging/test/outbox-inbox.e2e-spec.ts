import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, testKafkaBrokers, waitFor } from '@dmp/testing';
import { Kafka } from 'kafkajs';
import { Client } from 'pg';
import {
  createTopics,
  ReadMessage,
  testKafka,
  topicReader,
  uniqueTopic,
} from './support/messaging-harness';

const root = join(__dirname, '..', '..', '..');
const fixtures = join(__dirname, 'fixtures');

interface Run {
  child: ChildProcess;
  steps: Array<Record<string, unknown>>;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a fixture process from its TypeScript source (fixtures/ts-register.js transpiles it):
 * not from dist/, which any concurrent `npm run build` deletes and rewrites.
 */
function run(fixture: 'outbox-producer' | 'inbox-consumer', env: Record<string, string>): Run {
  const script = join(fixtures, `${fixture}.process.ts`);
  const child = spawn(process.execPath, ['-r', join(fixtures, 'ts-register.js'), script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const steps: Array<Record<string, unknown>> = [];
  const output: string[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      output.push(line);
      if (line.startsWith('{"step"')) steps.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const started = Date.now();
  output.push(`started ${new Date(started).toISOString()}`);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  running.add(child);
  void exited.then(() => running.delete(child));
  return { child, steps, output, exited };
}
const running = new Set<ChildProcess>();

async function count(url: string, sql: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(sql);
    return Number(result.rows[0].n);
  } finally {
    await client.end();
  }
}

/** Waits for the fixture's exit and checks how it ended; on a surprise, shows its output. */
async function expectExit(
  r: Run,
  expected: { code: number | null; signal: NodeJS.Signals | null },
): Promise<void> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`fixture did not exit; output:\n${r.output.join('\n')}`)),
      45_000,
    ).unref(),
  );
  const actual = await Promise.race([r.exited, timeout]);
  if (actual.code !== expected.code || actual.signal !== expected.signal) {
    throw new Error(
      `fixture exited with ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}; output:\n${r.output.join('\n')}`,
    );
  }
}

/** True when the group's committed offsets reached the end of every partition of the topic. */
async function groupCaughtUp(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.every((end) => {
      const at = committed.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      // A partition that never received a message has nothing to commit.
      return at === '-1' ? end.high === end.low : at === end.high;
    });
  } finally {
    await admin.disconnect();
  }
}

describe('outbox to inbox across two services, with real process kills', () => {
  const EVENTS = 30;
  let kafka: Kafka;
  let reader: { messages: ReadMessage[]; stop: () => Promise<void> };

  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await reader?.stop();
  });

  it('applies every event exactly once in effect when the producer dies between commit and publish, between publish and mark, and the consumer dies before committing its offset', async () => {
    kafka = testKafka(testKafkaBrokers());
    const producerDb = await createTestDatabase('e2e_producer');
    const consumerDb = await createTestDatabase('e2e_consumer');
    const topic = uniqueTopic('e2e');
    await createTopics(kafka, [topic], 3);
    const common = { TOPIC: topic, KAFKA_BROKERS: testKafkaBrokers().join(','), LOG_LEVEL: 'warn' };
    const producerEnv = { ...common, DATABASE_URL: producerDb };
    const consumerEnv = {
      ...common,
      DATABASE_URL: consumerDb,
      GROUP_ID: `dmp-e2e-${randomUUID().slice(0, 8)}`,
    };
    reader = await topicReader(kafka, topic);

    // 1. The producer commits its state and its events, then dies before any publish.
    const committedThenKilled = run('outbox-producer', {
      ...producerEnv,
      WRITE: String(EVENTS),
      CRASH_AFTER_COMMIT_BEFORE_PUBLISH: '1',
    });
    await expectExit(committedThenKilled, { code: null, signal: 'SIGKILL' });
    expect(await count(producerDb, 'SELECT count(*) AS n FROM prescriptions')).toBe(EVENTS);
    expect(
      await count(producerDb, 'SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL'),
    ).toBe(EVENTS);

    // 2. Restarted, it publishes a first batch and dies before marking it published.
    const publishedThenKilled = run('outbox-producer', {
      ...producerEnv,
      RELAY: '1',
      BATCH_SIZE: '5',
      CRASH_AFTER_PUBLISH_BEFORE_MARK: '1',
    });
    await expectExit(publishedThenKilled, { code: null, signal: 'SIGKILL' });
    expect(
      await count(producerDb, 'SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL'),
    ).toBe(EVENTS);

    // 3. Restarted again, it relays everything: the first batch a second time.
    const drained = run('outbox-producer', { ...producerEnv, RELAY: '1', BATCH_SIZE: '5' });
    await expectExit(drained, { code: 0, signal: null });
    expect(
      await count(producerDb, 'SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL'),
    ).toBe(0);
    await waitFor(() => reader.messages.length === EVENTS + 5, {
      timeoutMs: 20_000,
      message: `${EVENTS} events + 5 republished on the topic`,
    });

    // 4. The consumer handles a few events and dies after its transactions, before the offset commit.
    const handledThenKilled = run('inbox-consumer', { ...consumerEnv, CRASH_AFTER_HANDLED: '3' });
    await expectExit(handledThenKilled, { code: null, signal: 'SIGKILL' });
    expect(await count(consumerDb, 'SELECT count(*) AS n FROM effects')).toBeGreaterThanOrEqual(3);

    // 5. Restarted, it consumes to the end of the topic; redeliveries and republished events are absorbed.
    const consumer = run('inbox-consumer', consumerEnv);
    await waitFor(() => consumer.steps.some((s) => s['step'] === 'consuming'), {
      timeoutMs: 30_000,
      message: 'consumer up',
    });
    await waitFor(() => groupCaughtUp(kafka, consumerEnv.GROUP_ID, topic), {
      timeoutMs: 30_000,
      intervalMs: 250,
      message: 'consumer group committed to the end of the topic',
    }).catch(async (error: unknown) => {
      const admin = kafka.admin();
      await admin.connect();
      const committed = await admin.fetchOffsets({
        groupId: consumerEnv.GROUP_ID,
        topics: [topic],
      });
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      const effects = await count(consumerDb, 'SELECT count(*) AS n FROM effects');
      throw new Error(
        `${String(error)}\ncommitted ${JSON.stringify(committed)}\nends ${JSON.stringify(ends)}\neffects ${effects}\nconsumer output:\n${consumer.output.join('\n')}`,
      );
    });
    consumer.child.kill('SIGTERM');
    await expectExit(consumer, { code: 0, signal: null });

    expect(await count(consumerDb, 'SELECT count(*) AS n FROM effects')).toBe(EVENTS);
    expect(await count(consumerDb, 'SELECT count(DISTINCT seq) AS n FROM effects')).toBe(EVENTS);
    expect(await count(consumerDb, 'SELECT count(*) AS n FROM inbox_events')).toBe(EVENTS);
    // Proof that the duplicates really reached the consumer and were skipped, not avoided.
    expect(await count(consumerDb, 'SELECT count(*) AS n FROM deliveries')).toBeGreaterThan(
      EVENTS + 5,
    );
  }, 120_000);
});
