import 'reflect-metadata';
import { bootServiceApp, loadConfig } from '@dmp/platform';
import { AppModule } from './app.module';
import { AnalyticsConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig(AnalyticsConfig);
  await bootServiceApp({ serviceName: 'analytics', appModule: AppModule.forRoot(config), config, apiTitle: 'DMP analytics service' });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
