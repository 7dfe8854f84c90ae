import { readServiceDatabaseSettings, serviceDatabaseSettingsFromEnv } from './roles';

describe('serviceDatabaseSettingsFromEnv', () => {
  it('gives a service its runtime and owner roles, and provisions outside production', () => {
    const settings = serviceDatabaseSettingsFromEnv('customers', { PGSTATEMENT_TIMEOUT_MS: '700' });
    expect(settings.runtime).toMatchObject({
      user: 'kanta_customers',
      password: 'kanta_customers',
      database: 'kanta',
      statementTimeoutMs: 700,
    });
    // Migrations run without the limits of requests.
    expect(settings.owner).toMatchObject({
      user: 'kanta_customers_owner',
      password: 'kanta_customers_owner',
      statementTimeoutMs: 0,
      lockTimeoutMs: 0,
      idleInTransactionTimeoutMs: 0,
    });
    expect(settings.admin).toMatchObject({ user: 'postgres', statementTimeoutMs: 0 });
  });

  it('takes the names and passwords of the variables, and leaves provisioning off in production', () => {
    const settings = serviceDatabaseSettingsFromEnv('vehicles', {
      NODE_ENV: 'production',
      VEHICLES_DB_USER: 'vehicles_app',
      VEHICLES_DB_PASSWORD: 'app-secret',
      VEHICLES_DB_OWNER: 'vehicles_ddl',
    });
    expect(settings.runtime).toMatchObject({ user: 'vehicles_app', password: 'app-secret' });
    // No password is made up in production.
    expect(settings.owner).toMatchObject({ user: 'vehicles_ddl', password: undefined });
    expect(settings.admin).toBeNull();
    expect(
      serviceDatabaseSettingsFromEnv('vehicles', { NODE_ENV: 'production', DB_PROVISION: 'on' })
        .admin,
    ).not.toBeNull();
  });

  it.each([
    [{ CONSENTS_DB_USER: 'Consents' }, /CONSENTS_DB_USER/],
    [{ CONSENTS_DB_OWNER: 'x; DROP ROLE y' }, /CONSENTS_DB_OWNER/],
    [{ CONSENTS_DB_USER: 'same', CONSENTS_DB_OWNER: 'same' }, /two different roles/],
    [{ DB_PROVISION: 'yes' }, /DB_PROVISION/],
    [{ PGLOCK_TIMEOUT_MS: '-5' }, /PGLOCK_TIMEOUT_MS/],
  ])('refuses %p with a problem naming the variable', (env, message) => {
    const problems: string[] = [];
    readServiceDatabaseSettings(env, problems, 'consents');
    expect(problems).toEqual([expect.stringMatching(message)]);
  });
});
