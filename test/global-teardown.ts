import { dropDemoSnapshot, TEST_RUN_VARIABLE } from './support/demo-snapshot';

/** Global teardown of the `integration` Jest project: removes what this run's suites shared (see global-setup.ts). */
export default async function globalTeardown(): Promise<void> {
  const run = process.env[TEST_RUN_VARIABLE];
  if (run) await dropDemoSnapshot(run);
}
