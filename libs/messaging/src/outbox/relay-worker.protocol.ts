import type { ClientConfig } from 'pg';
import type { OutboxRelayOptions } from './outbox-relay';

/** What a relay worker thread is started with. */
export interface RelayWorkerData {
  clientConfig: ClientConfig;
  options: OutboxRelayOptions;
}

/** Main thread -> worker. */
export type RelayWorkerCommand = { type: 'poke' } | { type: 'stop' };

/** Worker -> main thread. */
export type RelayWorkerEvent =
  | { type: 'published'; topic: string; count: number }
  | { type: 'backlog'; events: number }
  | { type: 'leader'; leader: boolean }
  | { type: 'failure'; error: string | null }
  | { type: 'log'; level: 'log' | 'warn' | 'error'; message: unknown }
  | { type: 'stopped' };
