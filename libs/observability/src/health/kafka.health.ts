import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { OBSERVABILITY_OPTIONS, ObservabilityModuleOptions } from '../observability.options';

/**
 * Readiness of the Kafka connection: a metadata round trip (describeCluster) with a timeout, on
 * an admin client kept between checks (connecting anew every few seconds would cost more than
 * the check). A failed check drops the client so the next check reconnects.
 */
@Injectable()
export class KafkaHealthIndicator implements OnApplicationShutdown {
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;

  constructor(
    @Inject(OBSERVABILITY_OPTIONS) private readonly options: ObservabilityModuleOptions,
    private readonly health: HealthIndicatorService,
  ) {}

  async isHealthy(key = 'kafka', timeoutMs = 3_000) {
    const indicator = this.health.check(key);
    const brokers = this.options.kafkaBrokers ?? [];
    if (brokers.length === 0) return indicator.up({ configured: false });
    try {
      const cluster = await withTimeout(
        this.connect().then((admin) => admin.describeCluster()),
        timeoutMs,
        `no answer from ${brokers.join(',')} within ${timeoutMs} ms`,
      );
      return indicator.up({ brokers: cluster.brokers.length, controller: cluster.controller });
    } catch (error) {
      await this.reset();
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reset();
  }

  private connect(): Promise<Admin> {
    if (this.admin) return Promise.resolve(this.admin);
    this.connecting ??= (async () => {
      const kafka = new Kafka({
        clientId: `${this.options.kafkaClientId ?? `dmp-${this.options.serviceName}`}-health`,
        brokers: this.options.kafkaBrokers ?? [],
        connectionTimeout: 2_000,
        requestTimeout: 3_000,
        retry: { retries: 0 },
        // Failures surface in /health/ready; kafkajs' own console logging would only repeat them.
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        this.admin = admin;
        return admin;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  private async reset(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}

export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
