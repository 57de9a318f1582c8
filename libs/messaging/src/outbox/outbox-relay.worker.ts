// The relay of a WorkerThreadOutboxRelay: an OutboxRelay (same loop, same SQL, same producer) in
// a worker thread, reporting to the main thread, which keeps the metrics and the logger.
import { parentPort, workerData } from 'node:worker_threads';
import { OutboxRelay, RelayLogger } from './outbox-relay';
import { RelayWorkerData, RelayWorkerEvent, RelayWorkerCommand } from './relay-worker.protocol';

const port = parentPort;
if (!port) throw new Error('outbox-relay.worker runs only as a worker thread');
const data = workerData as RelayWorkerData;
const post = (event: RelayWorkerEvent): void => port.postMessage(event);
const logAt =
  (level: 'log' | 'warn' | 'error') =>
  (message: unknown): void =>
    post({ type: 'log', level, message });
const logger: RelayLogger = { log: logAt('log'), warn: logAt('warn'), error: logAt('error') };

const relay = new OutboxRelay({ clientConfig: data.clientConfig }, null, { ...data.options, worker: false }, {
  logger,
  reporter: {
    published: (topic, count) => post({ type: 'published', topic, count }),
    backlog: (events) => post({ type: 'backlog', events }),
    leader: (leader) => post({ type: 'leader', leader }),
    failure: (error) => post({ type: 'failure', error }),
  },
});

port.on('message', (command: RelayWorkerCommand) => {
  if (command.type === 'poke') relay.poke();
  else if (command.type === 'stop') {
    void relay.stop().then(
      () => {
        post({ type: 'stopped' });
        port.close();
      },
      (error: unknown) => {
        post({ type: 'log', level: 'error', message: { msg: 'outbox relay worker failed to stop', error: String(error) } });
        post({ type: 'stopped' });
        port.close();
      },
    );
  }
});
relay.start();
