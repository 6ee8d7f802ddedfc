// One Jest config for unit tests (next to the code) and integration tests (test/ and *.int-spec.ts),
// compiled by SWC with the same decorator settings as the build.
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.$schema;
delete swcrc.jsc.baseUrl;
delete swcrc.jsc.paths;

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  // Shares the host's typed-array constructors with each test realm: onnxruntime-node checks `instanceof Float32Array`.
  testEnvironment: '<rootDir>/test/support/ort-environment.ts',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleNameMapper: {
    '^@vitrine/(core|catalog|embedding|vectors|search|indexing|insights)$': '<rootDir>/libs/$1/src',
  },
  globalSetup: '<rootDir>/test/global-setup.ts',
  testTimeout: 30000,
};
