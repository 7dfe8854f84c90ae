import { postgresEnv, postgresSettingsFromEnv } from './config';

describe('postgresSettingsFromEnv', () => {
  it('defaults to the local database kanta with a 10 s statement timeout', () => {
    expect(postgresSettingsFromEnv({})).toEqual({
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: undefined,
      database: 'kanta',
      statementTimeoutMs: 10_000,
    });
  });

  it.each([
    [{ PGPORT: 'abc' }, /PGPORT/],
    [{ PGPORT: '70000' }, /PGPORT/],
    [{ PGSTATEMENT_TIMEOUT_MS: '-1' }, /PGSTATEMENT_TIMEOUT_MS/],
    [{ PGSTATEMENT_TIMEOUT_MS: 'soon' }, /PGSTATEMENT_TIMEOUT_MS/],
  ])('refuses %p with a message naming the variable', (env, message) => {
    expect(() => postgresSettingsFromEnv(env)).toThrow(message);
  });

  it('gives a child process the same settings back through the libpq variables', () => {
    const settings = postgresSettingsFromEnv({ PGHOST: 'db', PGPORT: '6543', PGDATABASE: 'x' });
    expect(postgresSettingsFromEnv(postgresEnv(settings))).toEqual(settings);
  });
});
