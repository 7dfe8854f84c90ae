// One jest configuration, four projects. `npm test` (scripts/run-tests.mjs) runs the first three
// in parallel and then the broker-outage project on its own, because that one stops RabbitMQ.
const swc = ['@swc/jest', { swcrc: true }];
const moduleNameMapper = {
  '^@kanta/(contracts|messaging|database|platform|testing|local|reports)$': '<rootDir>/libs/$1/src',
  '^@kanta/(contracts|messaging|database|platform|testing|local|reports)/(.*)$':
    '<rootDir>/libs/$1/src/$2',
};
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{services,libs}/**/*.spec.ts', '<rootDir>/test/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{services,libs}/**/*.int-spec.ts', '<rootDir>/test/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      // Many start a service or a gateway on a database of their own (and hash passwords with
      // argon2): seconds on a busy two-core machine. Tests that promise speed ("a 503 at once")
      // assert their own elapsed time; this only stops a hung test.
      setupFilesAfterEnv: ['<rootDir>/test/integration-timeout.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
    },
    {
      ...common,
      displayName: 'outage',
      testMatch: ['<rootDir>/{services,libs,test}/**/*.outage-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
    },
  ],
};
