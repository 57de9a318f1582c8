import { DynamicModule, INestApplication, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { runMigrations, redactUrl } from '@dmp/persistence';
import { JsonLogger, ReadinessService } from '@dmp/observability';
import { startMessaging } from '@dmp/messaging';
import type { BaseServiceConfig } from '../config/base-service.config';
import { configureHttpApp, createHttpAdapter } from '../http/http-adapter';

export interface BootServiceOptions {
  serviceName: string;
  /** The service's root module (a class, or `AppModule.forRoot(config)`). */
  appModule: Type<unknown> | DynamicModule;
  config: BaseServiceConfig;
  /** JSON body limit (default 1mb); a service accepting documents inline raises it. */
  bodyLimit?: string | number;
  /** Title and version of the OpenAPI document at /docs. */
  apiTitle?: string;
  version?: string;
  /**
   * Install SIGTERM/SIGINT handling (graceful stop, then exit). Default true; in-process test
   * apps pass false and call `app.close()`.
   */
  handleSignals?: boolean;
  /** Time allowed for a graceful stop before the process exits anyway (default 15 s). */
  shutdownTimeoutMs?: number;
  /** Replaces the JSON logger's output (tests). */
  logWrite?: (line: string) => void;
}

/**
 * Boots a service: JSON logs, validation and error shape, OpenAPI, migrations, then the HTTP
 * server, then the Kafka consumers and the outbox relay, then readiness. Consumers start only
 * once the app serves HTTP, so a rebalance never hands partitions to an instance that is not
 * up yet. On SIGTERM: readiness goes down, consumers stop (in-flight batch finishes), the relay
 * flushes, the HTTP server closes, then the database.
 */
export async function bootServiceApp(options: BootServiceOptions): Promise<INestApplication> {
  const { config, serviceName } = options;
  const logger = new JsonLogger({
    service: serviceName,
    instance: config.INSTANCE_ID,
    level: config.LOG_LEVEL,
    write: options.logWrite,
  });
  const bootLog = new Logger('Boot');
  Logger.overrideLogger(logger);
  const started = Date.now();
  const bodyLimit = options.bodyLimit ?? '1mb';
  const app = await NestFactory.create<INestApplication>(options.appModule, createHttpAdapter(config.HTTP_ADAPTER, { bodyLimit }), {
    logger,
    bufferLogs: false,
    // configureHttpApp installs the parsers, with our error codes and limit.
    bodyParser: false,
    abortOnError: false,
  });
  try {
    configureHttpApp(app, { bodyLimit });
    setUpOpenApi(app, options, bootLog);

    const dataSource = app.get(DataSource);
    const applied = await runMigrations(dataSource);
    bootLog.log({ msg: 'migrations applied', count: applied.length, names: applied.map((m) => m.name), database: redactUrl(config.DATABASE_URL) });

    if (options.handleSignals !== false) installSignalHandling(app, options.shutdownTimeoutMs ?? 15_000, bootLog);
    await app.listen(config.PORT, config.HTTP_HOST);
    await startMessaging(app);
    app.get(ReadinessService).markReady();
    bootLog.log({ msg: 'service ready', url: await app.getUrl(), bootMs: Date.now() - started });
    return app;
  } catch (error) {
    bootLog.error({ msg: 'boot failed', err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) });
    await app.close().catch(() => undefined);
    throw error;
  }
}

function setUpOpenApi(app: INestApplication, options: BootServiceOptions, log: Logger): void {
  try {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(options.apiTitle ?? `DMP ${options.serviceName} service`)
        .setVersion(options.version ?? process.env['npm_package_version'] ?? '0.0.0')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  } catch (error) {
    // A DTO swagger cannot describe must not keep the service down; the log says which.
    log.error({ msg: 'OpenAPI document not built', err: error instanceof Error ? error.message : String(error) });
  }
}

function installSignalHandling(app: INestApplication, timeoutMs: number, log: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals | 'supervisor-gone'): void => {
    if (stopping) return;
    stopping = true;
    log.log({ msg: 'stopping', signal });
    app.get(ReadinessService).markNotReady('stopping');
    const timer = setTimeout(() => {
      log.error({ msg: 'graceful stop took too long; exiting', timeoutMs });
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    app
      .close()
      .then(() => {
        log.log({ msg: 'stopped', signal });
        process.exit(0);
      })
      .catch((error: unknown) => {
        log.error({ msg: 'error while stopping', err: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // Started by a supervisor with an IPC channel (`npm start`): when the supervisor dies, even
  // by kill -9, the channel closes and the service stops rather than keep its port and its
  // consumer group membership as an orphan.
  if (process.send) process.once('disconnect', () => stop('supervisor-gone'));
}
