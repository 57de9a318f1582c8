import { bootServiceApp, loadConfig } from '@dmp/platform';
import { AppModule } from './app.module';
import { ReimbursementsConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig(ReimbursementsConfig);
  await bootServiceApp({
    serviceName: 'reimbursements',
    appModule: AppModule.forRoot(config),
    config,
    apiTitle: 'DMP reimbursements service',
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
