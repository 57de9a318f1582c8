import { bootServiceApp, loadConfig } from '../../src';
import { ReferenceAppModule } from './reference-app.module';
import { ReferenceConfig } from './reference.config';

// The reference service as a process, written like an app's main.ts, for the tests that
// signal or kill it (built to dist/libs/platform/test/support/reference-main.js).
async function main(): Promise<void> {
  const config = loadConfig(ReferenceConfig);
  await bootServiceApp({ serviceName: 'reference', appModule: ReferenceAppModule.forRoot(config), config });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
