import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createDataSourceOptions, EntityList, MigrationList } from '@dmp/persistence';
import { ObservabilityModule } from '@dmp/observability';
import { AuthModule } from '@dmp/auth';
import { MessagingModule, messagingEntities, messagingMigrations, MessagingModuleOptions } from '@dmp/messaging';
import type { BaseServiceConfig } from './config/base-service.config';
import { PLATFORM_OPTIONS, SERVICE_CONFIG } from './platform.tokens';

export interface PlatformServiceOptions {
  serviceName: string;
  /** The loaded configuration (`loadConfig(EnrolmentConfig)`); injectable as its class and SERVICE_CONFIG. */
  config: BaseServiceConfig;
  /** TypeORM entities; the outbox and inbox entities of @dmp/messaging are added when missing. */
  entities: EntityList;
  /** TypeORM migrations; the messaging migrations are added when missing. */
  migrations: MigrationList;
  /** Shown in heartbeats and metrics; default the npm_package_version or 0.0.0. */
  version?: string;
  /** Tuning of @dmp/messaging (relay, consumer); serviceName, brokers and clientId come from the config. */
  messaging?: Omit<MessagingModuleOptions, 'serviceName' | 'brokers' | 'clientId'>;
  /** TypeORM pool size per instance. */
  databasePoolSize?: number;
}

function withAll<T>(list: T[] | Record<string, T>, required: T[]): T[] {
  const items = Array.isArray(list) ? [...list] : Object.values(list);
  for (const item of required) if (!items.includes(item)) items.push(item);
  return items;
}

/**
 * Everything a service needs from the platform, in one import: its configuration as a
 * provider, TypeORM on its own database (migrations run by bootServiceApp, never synchronize),
 * messaging (outbox, inbox, consumers), authentication and observability.
 *
 *   @Module({})
 *   export class AppModule {
 *     static forRoot(config: EnrolmentConfig): DynamicModule {
 *       return { module: AppModule, imports: [PlatformModule.forService({ serviceName: 'enrolment', config, entities, migrations }), RecordsModule] };
 *     }
 *   }
 */
@Global()
@Module({})
export class PlatformModule {
  static forService(options: PlatformServiceOptions): DynamicModule {
    const { config, serviceName } = options;
    const entities = withAll(options.entities as never[], messagingEntities as never[]);
    const migrations = withAll(options.migrations as never[], messagingMigrations as never[]);
    const configProviders: Provider[] = [
      { provide: SERVICE_CONFIG, useValue: config },
      { provide: PLATFORM_OPTIONS, useValue: options },
    ];
    if (config.constructor !== Object) configProviders.push({ provide: config.constructor, useValue: config });
    return {
      module: PlatformModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({
          ...createDataSourceOptions({
            url: config.DATABASE_URL,
            entities,
            migrations,
            serviceName,
            poolSize: options.databasePoolSize,
          }),
          // A database that is not up yet (containers starting together) is retried for ~10 s,
          // then the boot fails and the orchestrator restarts the service.
          retryAttempts: 5,
          retryDelay: 2_000,
        }),
        MessagingModule.forRoot({
          ...options.messaging,
          consumer: { sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS, ...options.messaging?.consumer },
          serviceName,
          brokers: config.KAFKA_BROKERS,
          clientId: config.KAFKA_CLIENT_ID,
        }),
        AuthModule.forRoot({ secret: config.AUTH_TOKEN_SECRET, devIssuer: config.AUTH_DEV_ISSUER }),
        ObservabilityModule.forRoot({
          serviceName,
          version: options.version ?? process.env['npm_package_version'] ?? '0.0.0',
          instanceId: config.INSTANCE_ID,
          kafkaBrokers: config.KAFKA_BROKERS,
          kafkaClientId: config.KAFKA_CLIENT_ID,
          heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS,
        }),
      ],
      providers: configProviders,
      exports: [SERVICE_CONFIG, PLATFORM_OPTIONS, ...(config.constructor !== Object ? [config.constructor] : [])],
    };
  }
}
