// Two Jest projects, compiled by SWC with the same decorator settings as the build:
// - unit: every *.spec.ts, next to the code. Needs no PostgreSQL, Redis or Qdrant (`npm run test:unit`).
// - integration: *.int-spec.ts and *.e2e-spec.ts on the real PostgreSQL and Redis, checked once before they run.
// `npm test` runs both.
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.$schema;
delete swcrc.jsc.baseUrl;
delete swcrc.jsc.paths;

/** What both projects share. */
const common = {
  rootDir: __dirname,
  // Shares the host's typed-array constructors with each test realm: onnxruntime-node checks `instanceof Float32Array`.
  testEnvironment: '<rootDir>/test/support/ort-environment.ts',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleNameMapper: {
    '^@vitrine/(core|catalog|embedding|vectors|search|indexing|attributes|chat|vqa|descriptions|evaluation|assistant|nlu|analytics)$':
      '<rootDir>/libs/$1/src',
  },
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['**/*.spec.ts'],
      // Points the test-service URLs at a closed port, so a unit spec that reaches for PostgreSQL or Redis fails
      // here and now instead of passing only on machines where they happen to run.
      setupFiles: ['<rootDir>/test/support/unit-no-services.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['**/*.int-spec.ts', '**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
