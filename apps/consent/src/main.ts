import 'reflect-metadata';
import { bootServiceApp, loadConfig } from '@dmp/platform';
import { AppModule } from './app.module';
import { ConsentConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig(ConsentConfig);
  await bootServiceApp({ serviceName: 'consent', appModule: AppModule.forRoot(config), config, apiTitle: 'DMP consent service' });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
