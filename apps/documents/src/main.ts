import 'reflect-metadata';
import { bootServiceApp, loadConfig } from '@dmp/platform';
import { AppModule } from './app.module';
import { DocumentsConfig } from './config';
import { httpBodyLimit } from './submissions/submission-limits';

async function main(): Promise<void> {
  const config = loadConfig(DocumentsConfig);
  await bootServiceApp({ serviceName: 'documents', appModule: AppModule.forRoot(config), config, apiTitle: 'DMP documents service', bodyLimit: httpBodyLimit(config) });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
