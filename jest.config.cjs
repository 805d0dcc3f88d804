/**
 * Jest runs in native ESM mode (Nest 12 packages are ESM only), so `npm test` starts node
 * with --experimental-vm-modules. Unit specs sit next to the code (src/**\/*.spec.ts);
 * integration and end-to-end tests live in test/ and use real PostgreSQL (global-setup.ts).
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|test)\\.ts$',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 30000,
};
