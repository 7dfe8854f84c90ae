import { Client } from 'pg';
import { DataSource, type MixedList, type EntitySchema } from 'typeorm';
import { provisionServiceDatabase, quoteIdent } from './bootstrap';
import { postgresSettingsFromEnv, type PostgresSettings } from './config';
import { checkAppliedMigrations, recordMigrationChecksums } from './migration-checksums';
import type { ServiceDatabaseSettings } from './roles';

export interface ServiceDataSourceOptions {
  /** The Postgres schema this service owns; its migrations table lives there too. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  /**
   * Tables of the schema whose rows the runtime role may add and read but never change, delete
   * or truncate (the consent ledger): the database refuses it, whatever the code does.
   */
  appendOnly?: string[];
  settings?: PostgresSettings;
  poolSize?: number;
  applicationName?: string;
}

/** What a service's schema is, without the connection: its migrations define it. */
export type ServiceSchema = Omit<ServiceDataSourceOptions, 'settings'>;

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
 * Readies a service's schema before the service starts: provisions it (when `database.admin`
 * is given), then as the owner role and under an advisory lock named after the schema (several
 * instances may start together) checks that no applied migration has changed, applies the
 * pending ones, records their checksums and grants the runtime role what it may do. Migrations
 * run without session limits. Answers the names of the migrations applied.
 */
export async function migrateServiceSchema(
  schema: ServiceSchema,
  database: ServiceDatabaseSettings,
): Promise<string[]> {
  const { owner, runtime } = database;
  if (database.admin) {
    await provisionServiceDatabase(database.admin, schema.schema, {
      owner: { user: owner.user, password: owner.password },
      runtime: { user: runtime.user, password: runtime.password },
    });
  }
  // The lock is held on a connection of its own, which also does the bookkeeping; the
  // DataSource's one connection runs the migrations.
  const lock = new Client(owner);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`kanta.migrate.${schema.schema}`]);
    await checkOwnership(lock, schema.schema, owner.user);
    const dataSource = createServiceDataSource({ ...schema, settings: owner, poolSize: 1 });
    await dataSource.initialize();
    try {
      await checkAppliedMigrations(lock, schema.schema, dataSource.migrations);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      await recordMigrationChecksums(lock, schema.schema, dataSource.migrations);
      await grantRuntimePrivileges(lock, schema, runtime.user);
      return applied.map((m) => m.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    // Closing the session releases the advisory lock too, even after a failed migration.
    await lock.end();
  }
}

async function checkOwnership(client: Client, schema: string, owner: string): Promise<void> {
  const found = await client.query<{ owner: string }>(
    'SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1',
    [schema],
  );
  const actual = found.rows[0]?.owner.replace(/^"|"$/g, '');
  if (actual !== owner) {
    throw new Error(
      `schema ${schema} ${actual ? `belongs to ${actual}` : 'does not exist'}, not to ${owner}: ` +
        'provision the database first (DB_PROVISION=on with an administrator as PGUSER, ' +
        'or `npm run migrate`; see README.md)',
    );
  }
}

/**
 * Grants the runtime role the DML it needs on every table of the schema (after every migration
 * run, and by default privileges for what the owner creates later), minus what the schema
 * declares append-only, and nothing on the migrations' own bookkeeping. It never owns anything,
 * so it can neither change a table (ALTER, DROP, DISABLE TRIGGER) nor create one. One
 * transaction: no moment with more granted.
 */
async function grantRuntimePrivileges(
  client: Client,
  schema: ServiceSchema,
  runtimeRole: string,
): Promise<void> {
  const check = await client.query<{ rolsuper: boolean; member: boolean }>(
    `SELECT r.rolsuper, pg_has_role(r.oid, current_user, 'MEMBER') AS member
       FROM pg_roles r WHERE r.rolname = $1`,
    [runtimeRole],
  );
  const role = check.rows[0];
  if (!role) throw new Error(`role ${runtimeRole} does not exist: provision the database first`);
  if (role.rolsuper || role.member) {
    throw new Error(
      `role ${runtimeRole} is ${role.rolsuper ? 'a superuser' : `a member of ${schema.schema}'s owner`}: ` +
        'the runtime role must have only the privileges granted to it',
    );
  }
  const name = quoteIdent(schema.schema);
  const to = quoteIdent(runtimeRole);
  const statements = [
    `GRANT USAGE ON SCHEMA ${name} TO ${to}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${name} TO ${to}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${name} TO ${to}`,
    // What the owner creates between migration runs (a SECURITY DEFINER function making a
    // tenant's sequence) or before these grants run again (a migration's new table) is covered
    // at once.
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${name} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${to}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${name} GRANT USAGE, SELECT ON SEQUENCES TO ${to}`,
    `REVOKE ALL ON ${name}.migrations, ${name}.migration_checksums FROM ${to}`,
    ...(schema.appendOnly ?? []).map(
      (table) => `REVOKE UPDATE, DELETE, TRUNCATE ON ${name}.${quoteIdent(table)} FROM ${to}`,
    ),
  ];
  await client.query('BEGIN');
  try {
    for (const sql of statements) await client.query(sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
