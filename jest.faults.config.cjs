/**
 * The fault tests (`npm run test:faults`): several app instances as child processes from dist/,
 * cut TCP relays in front of the PBX simulators, PostgreSQL and Redis, generated bad input, and
 * the soak (SOAK_SECONDS, default 600). Loopback only; each test bounded in time; one at a time
 * (the machine has two cores). Needs `npm run build` first and Redis on 127.0.0.1:6379
 * (FAULTS_REDIS_URL to use another); PostgreSQL as `npm test` (DATABASE_URL, else embedded).
 */
const base = require('./jest.config.cjs');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testRegex: '.*\\.fault\\.ts$',
  testTimeout: 180000,
  maxWorkers: 1,
};
