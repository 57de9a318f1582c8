export { waitFor } from './wait-for';
export type { WaitForOptions } from './wait-for';
export { createTestDatabase, testDatabaseUrl, testKafkaBrokers } from './test-database';
export { freePort } from './internal/free-port';
export { startTestApp, testConfig } from './test-app';
export type { TestApp } from './test-app';
export {
  aPatient,
  aLegalRepresentative,
  aProfessional,
  anEstablishment,
  aPharmacy,
  aCpamAgent,
  anInsurerPipeline,
  anOperator,
  anIns,
  reseedBuilders,
  tokenFor,
  authHeader,
} from './builders';
export { startServiceProcess } from './service-process';
export type { ServiceProcess, StartServiceProcessOptions } from './service-process';
