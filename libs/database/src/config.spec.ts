import { postgresEnv, postgresSettingsFromEnv } from './config';

describe('postgresSettingsFromEnv', () => {
  it('defaults to the local database kanta with 10 s statement, 5 s lock and 60 s idle limits', () => {
    expect(postgresSettingsFromEnv({})).toEqual({
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: undefined,
      database: 'kanta',
      statementTimeoutMs: 10_000,
      lockTimeoutMs: 5_000,
      idleInTransactionTimeoutMs: 60_000,
    });
  });

  it('reads each limit from its variable, 0 turning it off', () => {
    expect(
      postgresSettingsFromEnv({
        PGSTATEMENT_TIMEOUT_MS: '0',
        PGLOCK_TIMEOUT_MS: '250',
        PGIDLE_IN_TRANSACTION_TIMEOUT_MS: '30000',
      }),
    ).toMatchObject({
      statementTimeoutMs: 0,
      lockTimeoutMs: 250,
      idleInTransactionTimeoutMs: 30_000,
    });
  });

  it.each([
    [{ PGPORT: 'abc' }, /PGPORT/],
    [{ PGPORT: '70000' }, /PGPORT/],
    [{ PGSTATEMENT_TIMEOUT_MS: '-1' }, /PGSTATEMENT_TIMEOUT_MS/],
    [{ PGSTATEMENT_TIMEOUT_MS: 'soon' }, /PGSTATEMENT_TIMEOUT_MS/],
    [{ PGLOCK_TIMEOUT_MS: '1.5' }, /PGLOCK_TIMEOUT_MS/],
    [{ PGIDLE_IN_TRANSACTION_TIMEOUT_MS: 'never' }, /PGIDLE_IN_TRANSACTION_TIMEOUT_MS/],
  ])('refuses %p with a message naming the variable', (env, message) => {
    expect(() => postgresSettingsFromEnv(env)).toThrow(message);
  });

  it('gives a child process the same settings back through the libpq variables', () => {
    const settings = postgresSettingsFromEnv({ PGHOST: 'db', PGPORT: '6543', PGDATABASE: 'x' });
    expect(postgresSettingsFromEnv(postgresEnv(settings))).toEqual(settings);
  });
});
