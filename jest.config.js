// Jest: TypeScript tests in test/, run against real sockets (see test/helpers).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Example projects for other runners (test/fixture/runners/runners.test.ts runs each with its own runner).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/fixtures/'],
  transform: {
    // tsconfig.json sets isolatedModules, so ts-jest transpiles file by file; `make typecheck` type-checks.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 60000,
};
