// Jest: unit tests beside the code; in test/, service tests (one feature's real modules on a real
// database, no HTTP) and e2e tests (the whole app through HTTP), both against real PostgreSQL and
// Redis, each file on its own copy of one migrated template database.
// @swc/jest transforms TypeScript with decorator metadata; `npm run typecheck` checks types once.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const ESM_ONLY = [
  'content-disposition',
  'cookie',
  '@apidevtools/json-schema-ref-parser',
  'kubernetes-models',
  '@kubernetes-models',
  'is-cidr',
  'cidr-regex',
];

const common = {
  rootDir: require('node:path').resolve(__dirname, '..'),
  testEnvironment: 'node',
  // A few dependencies ship ES modules only; Node 20 requires them natively but Jest's loader
  // does not, so they are compiled to CommonJS like our own files.
  transform: { '^.+\\.(ts|js|mjs)$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  resolver: '<rootDir>/config/jest-resolver.js',
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  rootDir: common.rootDir,
  maxWorkers: process.env.JEST_WORKERS || 2,
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/config/jest-summary-reporter.js'],
  projects: [
    // deploy/: the Kubernetes manifests' check (deploy/k8s/manifests.spec.ts).
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/deploy/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'services',
      testMatch: ['<rootDir>/test/services/**/*.service-spec.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
    },
  ],
};
