/** Connection settings from the standard libpq variables, defaulting to the local machine. */
export interface PostgresSettings {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** PGSTATEMENT_TIMEOUT_MS, default 10 s; 0 turns it off (migrations, bulk loads). */
  statementTimeoutMs: number;
}

export function postgresSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PostgresSettings {
  const port = Number(env.PGPORT ?? 5432);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`PGPORT must be a TCP port number, got "${env.PGPORT}"`);
  }
  return {
    host: env.PGHOST ?? '127.0.0.1',
    port,
    user: env.PGUSER ?? 'postgres',
    password: env.PGPASSWORD || undefined,
    database: env.PGDATABASE ?? 'kanta',
    statementTimeoutMs: statementTimeout(env.PGSTATEMENT_TIMEOUT_MS),
  };
}

/** For a service's config reader: a bad variable joins the list of problems, defaults stand in. */
export function readPostgresSettings(env: NodeJS.ProcessEnv, problems: string[]): PostgresSettings {
  try {
    return postgresSettingsFromEnv(env);
  } catch (error) {
    problems.push((error as Error).message);
    return postgresSettingsFromEnv({});
  }
}

function statementTimeout(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 10_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`PGSTATEMENT_TIMEOUT_MS must be a whole number of milliseconds, got "${raw}"`);
  }
  return value;
}

/** The libpq variables that point a child process (a service, a tool) at these settings. */
export function postgresEnv(settings: PostgresSettings): Record<string, string> {
  return {
    PGHOST: settings.host,
    PGPORT: String(settings.port),
    PGUSER: settings.user,
    ...(settings.password ? { PGPASSWORD: settings.password } : {}),
    PGDATABASE: settings.database,
  };
}
