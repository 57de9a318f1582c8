import { randomBytes } from 'node:crypto';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { bootServiceApp, BaseServiceConfig, loadConfig } from '@dmp/platform';
import { createTestDatabase, testKafkaBrokers } from './test-database';

type ConfigClass<T> = (new () => T) & { serviceName?: string };

/**
 * A service configuration for an in-process test app: PORT 0 (the OS picks), the shared test
 * broker, a fresh database (unless DATABASE_URL is given), a unique INSTANCE_ID, warn-level logs,
 * NODE_ENV=test. `overrides` are environment strings, as in production.
 */
export async function testConfig<T extends BaseServiceConfig>(
  schema: ConfigClass<T>,
  overrides: Record<string, string | undefined> = {},
): Promise<T> {
  const serviceName = schema.serviceName ?? 'service';
  const env: Record<string, string | undefined> = {
    PORT: '0',
    KAFKA_BROKERS: process.env['TEST_KAFKA_BROKERS'] ? testKafkaBrokers().join(',') : undefined,
    INSTANCE_ID: `test-${serviceName}-${randomBytes(3).toString('hex')}`,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
    NODE_ENV: 'test',
    HEARTBEAT_INTERVAL_MS: '1000',
    ...overrides,
  };
  env['DATABASE_URL'] ??= await createTestDatabase(serviceName.replace(/-/g, '_'));
  return loadConfig(schema, env);
}

export interface TestApp {
  app: INestApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  config: BaseServiceConfig;
  stop(): Promise<void>;
}

/**
 * Boots a service in this process exactly as main.ts does (migrations, HTTP, consumers, relay),
 * on the shared embedded PostgreSQL and broker. `stop()` closes it gracefully.
 */
export async function startTestApp(
  appModule: Type<unknown> | DynamicModule,
  config: BaseServiceConfig,
  options: { serviceName?: string; bodyLimit?: string; logWrite?: (line: string) => void } = {},
): Promise<TestApp> {
  const serviceName =
    options.serviceName ?? (config.constructor as { serviceName?: string }).serviceName ?? 'service';
  const app = await bootServiceApp({
    serviceName,
    appModule,
    config,
    handleSignals: false,
    bodyLimit: options.bodyLimit,
    logWrite: options.logWrite,
  });
  const address = app.getHttpServer().address() as { port: number };
  let stopped = false;
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    config,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await app.close();
    },
  };
}
