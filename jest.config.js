// Three projects so that `jest test/unit` and `jest test/workflows` never start the test stack: Jest
// runs a project's global setup only when at least one of its tests is selected.
/** @type {import('jest').Config} */
const shared = {
  transform: { '^.+\\.ts$': '@swc/jest' },
  testEnvironment: '<rootDir>/test/setup/shared-typed-arrays-environment.ts',
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Two workers on two cores: integration tests mostly wait on Temporal, FerretDB and Ollama, so a
  // second worker overlaps those waits; more would only contend with the services for the CPU.
  maxWorkers: 2,
  testTimeout: 60_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      // Workflows on Temporal's time-skipping test server, which each test file starts for itself.
      ...shared,
      displayName: 'workflows',
      testMatch: ['<rootDir>/test/workflows/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/setup/quiet-temporal.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/', '<rootDir>/test/workflows/'],
      setupFiles: ['<rootDir>/test/setup/quiet-temporal.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
