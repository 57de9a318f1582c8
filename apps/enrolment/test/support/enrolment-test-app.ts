import { INestApplication } from '@nestjs/common';
import { Actor, issueDevToken } from '@dmp/auth';
import { DEV_AUTH_TOKEN_SECRET, bootServiceApp, loadConfig } from '@dmp/platform';
import { createTestDatabase, testKafkaBrokers } from '@dmp/testing';
import { Client } from 'pg';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { EnrolmentConfig } from '../../src/config';

export interface EnrolmentTestApp {
  app: INestApplication;
  url: string;
  databaseUrl: string;
  db: Client;
  http: () => request.Agent;
  tokenFor: (actor: Actor) => string;
  /** Outbox rows of a topic for an INS (what the relay publishes). */
  outbox: (topic: string, ins?: string) => Promise<{ key: string; payload: { type: string; payload: Record<string, unknown> } }[]>;
  stop: () => Promise<void>;
}

/** The enrolment service in-process, on its own fresh database and the shared test broker. */
export async function startEnrolmentApp(env: Record<string, string> = {}): Promise<EnrolmentTestApp> {
  const databaseUrl = await createTestDatabase('enrolment');
  const config = loadConfig(EnrolmentConfig, {
    PORT: '0',
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: testKafkaBrokers().join(','),
    LOG_LEVEL: 'warn',
    HEARTBEAT_INTERVAL_MS: '0',
    // Keep published outbox rows: the tests count them to prove "one event, not two".
    ENROLMENT_OUTBOX_RETENTION_MS: '3600000',
    ...env,
  });
  const app = await bootServiceApp({ serviceName: 'enrolment', appModule: AppModule.forRoot(config), config, handleSignals: false, logWrite: () => undefined });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  return {
    app,
    url,
    databaseUrl,
    db,
    http: () => request.agent(app.getHttpServer()),
    tokenFor: (actor) => issueDevToken(actor, DEV_AUTH_TOKEN_SECRET),
    outbox: async (topic, ins) =>
      (
        await db.query(`SELECT key, payload FROM outbox_messages WHERE topic = $1 AND ($2::text IS NULL OR key = $2) ORDER BY id, position`, [topic, ins ?? null])
      ).rows,
    stop: async () => {
      await db.end();
      await app.close();
    },
  };
}
