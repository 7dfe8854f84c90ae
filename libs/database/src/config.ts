/** Connection settings from the standard libpq variables, defaulting to the local machine. */
export interface PostgresSettings {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** PGSTATEMENT_TIMEOUT_MS, default 10 s; 0 turns it off (migrations, bulk loads). */
  statementTimeoutMs: number;
  /** PGLOCK_TIMEOUT_MS, default 5 s: longest a statement waits for a lock; 0 turns it off. */
  lockTimeoutMs: number;
  /**
   * PGIDLE_IN_TRANSACTION_TIMEOUT_MS, default 60 s: a session that sits in an open transaction
   * this long without a statement is ended, releasing its locks; 0 turns it off.
   */
  idleInTransactionTimeoutMs: number;
}

/** The session limits of a connection that runs migrations: none (an index may take minutes). */
export const NO_SESSION_LIMITS = {
  statementTimeoutMs: 0,
  lockTimeoutMs: 0,
  idleInTransactionTimeoutMs: 0,
} as const;

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
    statementTimeoutMs: milliseconds(env, 'PGSTATEMENT_TIMEOUT_MS', 10_000),
    // Below the statement timeout, so a wait for a lock fails as such (55P03), and about the
    // gateway's RPC timeout: nobody is waiting for the answer any longer.
    lockTimeoutMs: milliseconds(env, 'PGLOCK_TIMEOUT_MS', 5_000),
    // Above the outbox relay's wait for publisher confirms (15 s), which it spends in its
    // transaction on purpose.
    idleInTransactionTimeoutMs: milliseconds(env, 'PGIDLE_IN_TRANSACTION_TIMEOUT_MS', 60_000),
  };
}

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number of milliseconds, got "${raw}"`);
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
