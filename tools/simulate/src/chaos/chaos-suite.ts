import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensureDatabase } from '@dmp/persistence';
import { freePort } from '@dmp/testing';
import { ServiceBalancer } from './service-balancer';
import {
  BrokerProcess,
  PostgresServer,
  ServiceInstanceProcess,
  SUITE_SERVICES,
  type Restartable,
  type SuiteService,
} from './suite-processes';

export type SuiteDatabase =
  /** An embedded PostgreSQL of the suite's own, in `<dataDir>/postgres`, that the run may restart. */
  | { kind: 'embedded' }
  /** Databases `<prefix><service>` on a server the run does not own (tests: TEST_DATABASE_URL); never restarted. */
  | { kind: 'external'; serverUrl: string; prefix: string };

export interface ChaosSuiteOptions {
  /** Repository root (dist/ must be built). */
  root: string;
  /** Where PostgreSQL, the broker and the reimbursements folders keep their data. */
  dataDir: string;
  database: SuiteDatabase;
  /** Instances per service (default 1); two of a service share its consumer group. */
  instances?: Partial<Record<SuiteService, number>>;
  /** Extra environment for every service (wins over the suite's defaults). */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** Receives progress lines. */
  log?: (line: string) => void;
  /** Receives every service output line, prefixed by the instance name (default: dropped). */
  serviceOutput?: (line: string) => void;
}

export interface SuiteEndpoints {
  /** One stable URL per service (a balancer over its instances). */
  urls: Record<SuiteService, string>;
  kafkaBrokers: string;
  /** Where the reimbursements service watches for dropped insurer files. */
  reimbursementsDropDir: string;
}

/**
 * The whole suite as separate OS processes, so that each can be killed: PostgreSQL (embedded,
 * or an external server), the broker, every service instance, and a balancer per service.
 * Loopback only; every port is chosen free at start.
 */
export class ChaosSuite {
  postgres: PostgresServer | undefined;
  broker!: BrokerProcess;
  readonly instances: ServiceInstanceProcess[] = [];
  private readonly balancers: ServiceBalancer[] = [];
  private readonly log: (line: string) => void;
  private readonly readyTimeoutMs: number;

  constructor(private readonly options: ChaosSuiteOptions) {
    this.log = options.log ?? (() => undefined);
    this.readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  }

  get endpoints(): SuiteEndpoints {
    const urls = {} as Record<SuiteService, string>;
    for (const balancer of this.balancers) urls[balancer.service as SuiteService] = balancer.url;
    return { urls, kafkaBrokers: this.broker.bootstrap, reimbursementsDropDir: this.dropDir };
  }

  /** Everything the chaos run may kill. */
  get targets(): Restartable[] {
    return [...this.instances, this.broker, ...(this.postgres ? [this.postgres] : [])];
  }

  /** Requests the balancers answered 502 because an instance died while handling them. */
  get lostRequests(): number {
    return this.balancers.reduce((sum, b) => sum + b.lost, 0);
  }

  private get dropDir(): string {
    return join(this.options.dataDir, 'reimbursements', 'drop');
  }

  databaseUrl(service: SuiteService): string {
    const database = this.options.database;
    if (database.kind === 'external') {
      const url = new URL(database.serverUrl);
      url.pathname = `/${database.prefix}${service}`;
      return url.toString();
    }
    if (!this.postgres) throw new Error('the embedded PostgreSQL is not started yet');
    return this.postgres.databaseUrl(`dmp_${service}`);
  }

  async start(): Promise<void> {
    try {
      await this.startAll();
    } catch (error) {
      // Nothing half-started may outlive a failed start (ports, data directory locks).
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  private async startAll(): Promise<void> {
    const { root, dataDir } = this.options;
    mkdirSync(dataDir, { recursive: true });
    const began = Date.now();
    if (this.options.database.kind === 'embedded') {
      this.postgres = new PostgresServer(join(dataDir, 'postgres'), await freePort());
      await this.postgres.start();
      this.log(
        `PostgreSQL on 127.0.0.1:${this.postgres.port} (data in ${join(dataDir, 'postgres')})`,
      );
    }
    for (const service of SUITE_SERVICES) await ensureDatabase(this.databaseUrl(service));
    this.broker = new BrokerProcess(root, join(dataDir, 'kafka'), await freePort());
    await this.broker.start(30_000);
    this.log(`broker on ${this.broker.bootstrap} (pid ${this.broker.pid})`);

    const env = this.serviceEnv();
    for (const service of SUITE_SERVICES) {
      const count = this.options.instances?.[service] ?? 1;
      const own: ServiceInstanceProcess[] = [];
      for (let index = 1; index <= count; index++) {
        const instance = new ServiceInstanceProcess({
          root,
          service,
          index,
          port: await freePort(),
          env: { ...env, DATABASE_URL: this.databaseUrl(service) },
          onLine: this.options.serviceOutput
            ? (line) => this.options.serviceOutput?.(`${service}-${index} | ${line}`)
            : undefined,
        });
        own.push(instance);
      }
      this.instances.push(...own);
      const balancer = new ServiceBalancer(service, own);
      await balancer.listen();
      this.balancers.push(balancer);
    }
    // Instances of one service start one after the other: the first runs the migrations alone.
    await Promise.all(
      SUITE_SERVICES.map(async (service) => {
        for (const instance of this.instances.filter((i) => i.service === service))
          await instance.start(this.readyTimeoutMs);
      }),
    );
    this.log(
      `${this.instances.length} service instance(s) ready in ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
  }

  private serviceEnv(): Record<string, string> {
    const { dataDir } = this.options;
    mkdirSync(this.dropDir, { recursive: true });
    return {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: this.broker.bootstrap,
      HEARTBEAT_INTERVAL_MS: '5000',
      // A killed instance holds its partitions until its session expires: 15 s instead of 30 s
      // lets its restarted self (or its sibling) take them back sooner; 8 s made consumers
      // starved of CPU on a loaded host miss heartbeats and rebalance.
      KAFKA_SESSION_TIMEOUT_MS: '15000',
      REIMBURSEMENTS_DROP_DIR: this.dropDir,
      REIMBURSEMENTS_SPOOL_DIR: join(dataDir, 'reimbursements', 'spool'),
      REIMBURSEMENTS_POLL_MS: '250',
      DOCUMENTS_BLOB_DIR: join(dataDir, 'documents-blobs'),
      ...this.options.env,
    };
  }

  /** Instances that are not running (crashed on their own, or killed and not yet restarted). */
  downInstances(): ServiceInstanceProcess[] {
    return this.instances.filter((instance) => !instance.running);
  }

  /** Waits until every instance answers /health/ready (after a broker or PostgreSQL restart). */
  async waitAllReady(timeoutMs = this.readyTimeoutMs): Promise<void> {
    await Promise.all(
      this.instances.filter((i) => i.running).map((instance) => instance.waitReady(timeoutMs)),
    );
  }

  /** Stops everything: services, balancers, broker, PostgreSQL; drops external databases when asked. */
  async stop(options: { dropExternalDatabases?: boolean } = {}): Promise<void> {
    await Promise.all(this.instances.map((instance) => instance.stop()));
    await Promise.all(this.balancers.map((balancer) => balancer.close()));
    // Set once the broker process was spawned, even if it never became ready.
    if (this.broker as BrokerProcess | undefined) await this.broker.stop();
    await this.postgres?.kill();
    const database = this.options.database;
    if (options.dropExternalDatabases && database.kind === 'external') {
      const client = new Client({ connectionString: database.serverUrl });
      await client.connect();
      try {
        for (const service of SUITE_SERVICES) {
          await client.query(
            `DROP DATABASE IF EXISTS ${client.escapeIdentifier(`${database.prefix}${service}`)} WITH (FORCE)`,
          );
        }
      } finally {
        await client.end();
      }
    }
  }
}
