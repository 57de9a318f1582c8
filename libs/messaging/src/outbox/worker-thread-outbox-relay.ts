import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { KafkaPublisher } from '../kafka/kafka-publisher';
import { spawnWorkerThread } from '../worker/spawn-worker-thread';
import { OutboxRelay, OutboxRelayOptions, RelayLogger, RelayReporter, errorMessage, pgClientConfig } from './outbox-relay';
import { RelayWorkerCommand, RelayWorkerData, RelayWorkerEvent } from './relay-worker.protocol';

const WORKER_MODULE = join(__dirname, `outbox-relay.worker${extname(__filename)}`);

/**
 * An OutboxRelay whose loop runs in a worker thread (`relay.worker: true`): reading the outbox,
 * splitting bundles, encoding the Produce requests (RelayProducer) and their socket I/O cost the
 * service's main thread nothing; a busy service (campaign openings) keeps its main thread for
 * requests. The worker runs the very same OutboxRelay with its own PostgreSQL connection, so
 * leadership (the advisory lock on that connection), order per key and at-least-once are those
 * of the in-thread relay. The worker reports leadership, failures and published counts, which
 * this side turns into the usual metrics and log lines.
 *
 * A worker that dies (an uncaught error) loses its connection, hence the lock; it is restarted
 * after `errorBackoffMs`, and republishes what was not marked published (at least once).
 */
export class WorkerThreadOutboxRelay extends OutboxRelay {
  private worker: Worker | null = null;
  private workerLeader = false;
  private workerFailure: string | null = null;
  private stopped: Promise<void> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly database: DataSource,
    publisher: KafkaPublisher | null,
    options: OutboxRelayOptions,
    hooks: { reporter?: RelayReporter; logger?: RelayLogger } = {},
  ) {
    super(database, publisher, options, hooks);
    if (!options.directProduce) throw new Error('OutboxRelay: a relay in a worker thread publishes with directProduce');
  }

  override get isLeader(): boolean {
    return this.workerLeader;
  }

  override get lastError(): string | null {
    return this.workerFailure;
  }

  override get isRunning(): boolean {
    return this.running;
  }

  override start(): void {
    if (this.running) return;
    this.running = true;
    this.spawn();
  }

  override poke(): void {
    this.send({ type: 'poke' });
  }

  /** Stops the worker's relay (its last flush included, as OutboxRelay.stop) and waits for the thread to end. */
  override async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const worker = this.worker;
    if (!worker) return;
    const stopped = this.stopped;
    this.send({ type: 'stop' });
    await stopped;
    await worker.terminate();
  }

  private send(command: RelayWorkerCommand): void {
    this.worker?.postMessage(command);
  }

  private spawn(): void {
    const data: RelayWorkerData = { clientConfig: pgClientConfig(this.database), options: { ...this.options, worker: false } };
    const worker = spawnWorkerThread(WORKER_MODULE, { workerData: data, name: `outbox-relay-${this.options.serviceName}` });
    this.worker = worker;
    let resolveStopped: () => void = () => undefined;
    this.stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    worker.on('message', (event: RelayWorkerEvent) => {
      if (event.type === 'stopped') resolveStopped();
      else this.onEvent(event);
    });
    worker.on('error', (error) => {
      this.logger.error({ msg: 'outbox relay worker failed', error: errorMessage(error) });
    });
    worker.on('exit', (code) => {
      resolveStopped();
      if (this.worker !== worker) return;
      this.worker = null;
      this.setWorkerLeader(false);
      if (!this.running) return;
      // An unexpected end: its connection, and so the lock, are gone; another instance may lead meanwhile.
      this.workerFailure = `outbox relay worker exited with code ${code}`;
      this.reporter.failure(this.workerFailure);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (this.running) this.spawn();
      }, this.options.errorBackoffMs ?? 1000);
    });
  }

  private onEvent(event: Exclude<RelayWorkerEvent, { type: 'stopped' }>): void {
    switch (event.type) {
      case 'published':
        this.reporter.published(event.topic, event.count);
        return;
      case 'backlog':
        this.reporter.backlog(event.events);
        return;
      case 'leader':
        this.setWorkerLeader(event.leader);
        return;
      case 'failure':
        this.workerFailure = event.error;
        this.reporter.failure(event.error);
        return;
      case 'log':
        this.logger[event.level](event.message);
        return;
    }
  }

  private setWorkerLeader(leader: boolean): void {
    this.workerLeader = leader;
    this.reporter.leader(leader);
  }
}
