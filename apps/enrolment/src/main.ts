import { bootServiceApp, loadConfig } from '@dmp/platform';
import { AppModule } from './app.module';
import { EnrolmentConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig(EnrolmentConfig);
  await bootServiceApp({ serviceName: 'enrolment', appModule: AppModule.forRoot(config), config, apiTitle: 'DMP enrolment service' });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
