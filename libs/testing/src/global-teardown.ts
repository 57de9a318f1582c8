/** Jest global teardown: stops what global-setup.ts started (services' databases go with the cluster). */
export default async function globalTeardown(): Promise<void> {
  const infrastructure = globalThis.__DMP_TEST_INFRASTRUCTURE__;
  globalThis.__DMP_TEST_INFRASTRUCTURE__ = undefined;
  await infrastructure?.stop();
}
