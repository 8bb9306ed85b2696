// Jest for the drills (`npm run drills`, `npm run drills:ci`): test/drills/**/*.drill.ts, each
// against the built app (dist/) as separate processes, one drill at a time (they kill servers
// and measure latencies; two at once would measure each other).
const base = require('./jest.config.js');
const { projects } = base;
const common = { ...projects[0] };
delete common.displayName;
delete common.testMatch;

/** @type {import('jest').Config} */
module.exports = {
  ...common,
  displayName: 'drills',
  testMatch: ['<rootDir>/test/drills/**/*.drill.ts'],
  maxWorkers: 1,
  testTimeout: 30 * 60_000,
  reporters: ['default'],
};
