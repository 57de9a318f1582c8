// One jest run, two projects: `unit` needs nothing running; `integration` (integration and
// end-to-end specs) shares one embedded PostgreSQL and one embedded broker per run, started by
// libs/testing's global setup; each integration file gets its own in-process broker
// (libs/testing/src/file-broker.setup.ts explains why).
const preset = require('./jest.preset.js');

module.exports = {
  testTimeout: 60_000,
  projects: [
    {
      ...preset,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'],
    },
    {
      ...preset,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.{integration-spec,e2e-spec}.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/file-broker.setup.ts'],
      slowTestThreshold: 30,
    },
  ],
};
