import { NO_SESSION_LIMITS, postgresSettingsFromEnv, type PostgresSettings } from './config';

/**
 * How a service reaches PostgreSQL: three roles, each for one kind of work (docs/architecture.md,
 * "Least privilege").
 */
export interface ServiceDatabaseSettings {
  /** Its requests, consumers and jobs: a role with the DML it needs on its own schema only. */
  runtime: PostgresSettings;
  /** Its migrations: the role that owns its schema and every object in it. */
  owner: PostgresSettings;
  /**
   * The administrator (PGUSER) that creates the database, its extensions, the two roles above and
   * the schema; null when that was done beforehand (DB_PROVISION=off, the default in production).
   */
  admin: PostgresSettings | null;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * `<SERVICE>_DB_USER` / `_DB_PASSWORD` (runtime role, default `kanta_<service>`),
 * `<SERVICE>_DB_OWNER` / `_DB_OWNER_PASSWORD` (owner role, default `kanta_<service>_owner`) and
 * `DB_PROVISION`, on top of the PG* settings in `base` (host, port, database, timeouts, and the
 * administrator as user). Outside production a password left unset is the role's name, so the
 * roles log in on a local PostgreSQL that trusts only `postgres` too; in production none is
 * assumed. Throws naming the variable that is wrong.
 */
export function serviceDatabaseSettingsFromEnv(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
  base: PostgresSettings = postgresSettingsFromEnv(env),
): ServiceDatabaseSettings {
  const prefix = service.toUpperCase();
  const production = env.NODE_ENV === 'production';
  const role = (
    nameVariable: string,
    passwordVariable: string,
    fallback: string,
  ): { user: string; password: string | undefined } => {
    const user = env[nameVariable] || fallback;
    if (!ROLE_NAME.test(user)) {
      throw new Error(
        `${nameVariable} must be a role name of lower-case letters, digits and _, got "${user}"`,
      );
    }
    return { user, password: env[passwordVariable] || (production ? undefined : user) };
  };
  const runtime = role(`${prefix}_DB_USER`, `${prefix}_DB_PASSWORD`, `kanta_${service}`);
  const owner = role(`${prefix}_DB_OWNER`, `${prefix}_DB_OWNER_PASSWORD`, `kanta_${service}_owner`);
  if (runtime.user === owner.user) {
    throw new Error(`${prefix}_DB_USER and ${prefix}_DB_OWNER must name two different roles`);
  }
  const provision = env.DB_PROVISION || (production ? 'off' : 'on');
  if (provision !== 'on' && provision !== 'off') {
    throw new Error(`DB_PROVISION must be on or off, got "${provision}"`);
  }
  return {
    runtime: { ...base, ...runtime },
    owner: { ...base, ...NO_SESSION_LIMITS, ...owner },
    admin: provision === 'on' ? { ...base, ...NO_SESSION_LIMITS } : null,
  };
}

/** For a service's config reader: a bad variable joins the list of problems. */
export function readServiceDatabaseSettings(
  env: NodeJS.ProcessEnv,
  problems: string[],
  service: string,
): ServiceDatabaseSettings {
  try {
    return serviceDatabaseSettingsFromEnv(service, env);
  } catch (error) {
    problems.push((error as Error).message);
    return serviceDatabaseSettingsFromEnv(service, {});
  }
}
