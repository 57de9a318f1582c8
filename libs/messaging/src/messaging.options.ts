import { ISocketFactory } from 'kafkajs';
import { OutboxRelayOptions } from './outbox/outbox-relay';
import { EventConsumerOptions } from './consumer/event-consumer';

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');

export interface MessagingModuleOptions {
  /** The service name: consumer group `dmp-<serviceName>`, metric labels. */
  serviceName: string;
  /** Kafka bootstrap list (`kafkaConfigFromEnv().brokers`). */
  brokers: string[];
  /** Default `dmp-<serviceName>`. */
  clientId?: string;
  /** kafkajs's socketFactory for this service's client (consumer, publisher, admin); default kafkajs's own. */
  socketFactory?: ISocketFactory;
  /** Idempotent producer; default true. */
  idempotentProducer?: boolean;
  /** Outbox relay tuning; `enabled: false` for an instance that must never relay. */
  relay?: Omit<OutboxRelayOptions, 'serviceName'> & { enabled?: boolean };
  /** Consumer tuning; `enabled: false` for an instance that must not consume. */
  consumer?: Omit<EventConsumerOptions, 'serviceName'> & { enabled?: boolean };
  /**
   * Start the relay and the consumer on `onApplicationBootstrap` instead of waiting for
   * `startMessaging(app)`. Only for apps whose migrations already ran; default false.
   */
  autoStart?: boolean;
}
