import { Client } from 'pg';
import { DataSource, type MixedList, type EntitySchema } from 'typeorm';
import { bootstrapDatabase } from './bootstrap';
import { NO_SESSION_LIMITS, postgresSettingsFromEnv, type PostgresSettings } from './config';

export interface ServiceDataSourceOptions {
  /** The Postgres schema this service owns; its migrations table lives there too. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  settings?: PostgresSettings;
  poolSize?: number;
  applicationName?: string;
}

/** A service's own DataSource: its schema, its entities, its migrations, never `synchronize`. */
export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  const settings = options.settings ?? postgresSettingsFromEnv();
  return new DataSource({
    type: 'postgres',
    host: settings.host,
    port: settings.port,
    username: settings.user,
    password: settings.password,
    database: settings.database,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: options.applicationName ?? `kanta-${options.schema}`,
    extra: {
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      // The session's limits, set at connect (0: PostgreSQL's default, none). Nothing a request
      // does should outlive the caller's wait by much (RPC timeout 5 s); a lock wait fails as
      // such before that; a transaction left open without a statement is ended with its locks.
      statement_timeout: settings.statementTimeoutMs,
      lock_timeout: settings.lockTimeoutMs,
      idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
    },
  });
}

/**
 * Applies the service's pending migrations. Several instances may start together, so the run is
 * serialised by an advisory lock named after the schema.
 */
export async function migrateServiceSchema(dataSource: DataSource): Promise<string[]> {
  const schema = (dataSource.options as { schema?: string }).schema ?? 'public';
  const settings = settingsOf(dataSource);
  await bootstrapDatabase(settings);
  // The lock is held on a connection of its own, so the DataSource's pool (whatever its size)
  // stays free for the migrations themselves.
  const lock = new Client(settings);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`kanta.migrate.${schema}`]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const initializedHere = !dataSource.isInitialized;
    if (initializedHere) {
      // A migration may rightly run for minutes (an index on a large table): no request limits.
      const extra = (dataSource.options as { extra?: Record<string, unknown> }).extra;
      if (extra) {
        extra.statement_timeout = NO_SESSION_LIMITS.statementTimeoutMs;
        extra.lock_timeout = NO_SESSION_LIMITS.lockTimeoutMs;
        extra.idle_in_transaction_session_timeout = NO_SESSION_LIMITS.idleInTransactionTimeoutMs;
      }
      await dataSource.initialize();
    }
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      if (initializedHere) await dataSource.destroy();
    }
  } finally {
    // Closing the session releases the advisory lock too, even after a failed migration.
    await lock.end();
  }
}

function settingsOf(dataSource: DataSource): PostgresSettings {
  const o = dataSource.options as {
    host?: string;
    port?: number;
    username?: string;
    password?: string;
    database?: string;
  };
  return {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 5432,
    user: o.username ?? 'postgres',
    password: o.password,
    database: o.database ?? 'kanta',
    ...NO_SESSION_LIMITS,
  };
}
