// @dmp/runtime: what `npm start` runs, as a library for tools that start the suite themselves
// (`npm run demo` plans with it, then runs dist/tools/runtime/src/main.js).
export { planRuntime, SERVICES, USAGE, UsageError } from './plan';
export type { InstancePlan, RuntimePlan, ServiceName } from './plan';
