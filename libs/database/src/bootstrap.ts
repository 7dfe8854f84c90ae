import { Client } from 'pg';
import type { PostgresSettings } from './config';

/**
 * Extensions are per database, not per schema, so they are created here once for every service
 * rather than in any one service's migrations. They live in `public`; services reference them
 * with qualified names (`public.unaccent`).
 */
export const DATABASE_EXTENSIONS = ['pg_trgm', 'unaccent', 'btree_gin'] as const;

/** A role a service logs in as; the password is set on it when given. */
export interface DatabaseLogin {
  user: string;
  password: string | undefined;
}

export interface ServiceRoles {
  /** Owns the service's schema and everything in it; runs its migrations. */
  owner: DatabaseLogin;
  /** The service's own work: the privileges its migrations step grants it, nothing more. */
  runtime: DatabaseLogin;
}

/**
 * Advisory locks belong to one database. Every provisioner takes this one in the maintenance
 * database `postgres`, which always exists, so provisioning is serialised across the cluster:
 * databases and roles are cluster-wide, and two sessions changing the same catalog row at once
 * fail ("tuple concurrently updated") or race (a CREATE DATABASE that a twin has just made
 * answers 23505, not 42P04).
 */
const PROVISIONING_LOCK = 'kanta.provision';

/** Creates the database if it is missing, then the shared extensions. Idempotent, race-free. */
export async function bootstrapDatabase(admin: PostgresSettings): Promise<void> {
  await provisioning(admin, async () => undefined);
}

/**
 * As the administrator: the database and its extensions, the service's two roles (created when
 * missing, their passwords set when configured), and its schema owned by the owner role, with
 * everything already in it handed over (a schema made before the roles existed belonged to the
 * administrator). Grants on the schema's tables are the owner's business: see
 * `migrateServiceSchema`. Idempotent and race-free, so every instance may run it at start.
 */
export async function provisionServiceDatabase(
  admin: PostgresSettings,
  schema: string,
  roles: ServiceRoles,
): Promise<void> {
  await provisioning(admin, async (database, cluster) => {
    for (const login of [roles.owner, roles.runtime]) await ensureRole(cluster, login);
    const owner = quoteIdent(roles.owner.user);
    await database.query(
      `GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdent(admin.database)}
         TO ${owner}, ${quoteIdent(roles.runtime.user)}`,
    );
    await database.query(
      `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)} AUTHORIZATION ${owner}`,
    );
    await handOver(database, schema, roles.owner.user);
  });
}

async function provisioning(
  admin: PostgresSettings,
  work: (database: Client, cluster: Client) => Promise<void>,
): Promise<void> {
  const cluster = new Client({ ...admin, database: 'postgres' });
  await cluster.connect();
  try {
    await cluster.query('SELECT pg_advisory_lock(hashtext($1))', [PROVISIONING_LOCK]);
    const exists = await cluster.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      admin.database,
    ]);
    if (exists.rowCount === 0) {
      await cluster.query(`CREATE DATABASE ${quoteIdent(admin.database)}`).catch((error) => {
        // A provisioner that does not take the lock (an older version) made it meanwhile.
        if (!['42P04', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
      });
    }
    const database = new Client(admin);
    await database.connect();
    try {
      for (const extension of DATABASE_EXTENSIONS) {
        await database.query(`CREATE EXTENSION IF NOT EXISTS ${extension} WITH SCHEMA public`);
      }
      await work(database, cluster);
    } finally {
      await database.end();
    }
  } finally {
    // Closing the session releases the advisory lock too, even after a failure.
    await cluster.end();
  }
}

async function ensureRole(cluster: Client, login: DatabaseLogin): Promise<void> {
  const found = await cluster.query<{ rolsuper: boolean }>(
    'SELECT rolsuper FROM pg_roles WHERE rolname = $1',
    [login.user],
  );
  if (found.rows[0]?.rolsuper) {
    // Never touch a superuser's password; and least privilege would be a pretence.
    throw new Error(`role ${login.user} is a superuser: a service's roles must be its own`);
  }
  const password = login.password ? ` PASSWORD ${cluster.escapeLiteral(login.password)}` : '';
  const verb = found.rowCount === 0 ? 'CREATE' : 'ALTER';
  await cluster.query(`${verb} ROLE ${quoteIdent(login.user)} LOGIN${password}`);
}

/**
 * Hands every object of the schema that someone else owns to `owner`: tables first (their
 * indexes and owned sequences go with them), then what is left.
 */
async function handOver(database: Client, schema: string, owner: string): Promise<void> {
  const run = async (sql: string, ...more: unknown[]): Promise<void> => {
    const found = await database.query<{ statement: string }>(sql, [schema, owner, ...more]);
    for (const { statement } of found.rows) await database.query(statement);
  };
  await database.query(`ALTER SCHEMA ${quoteIdent(schema)} OWNER TO ${quoteIdent(owner)}`);
  const relations = `
    SELECT format('ALTER %s %I.%I OWNER TO %I',
             CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
               WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' WHEN 'c' THEN 'TYPE'
               ELSE 'TABLE' END,
             n.nspname, c.relname, $2::text) AS statement
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind::text = ANY($3::text[]) AND c.relowner <> to_regrole($2)`;
  await run(relations, ['r', 'p', 'v', 'm', 'f', 'c']);
  // Sequences still owned by someone else now are those of no table.
  await run(relations, ['S']);
  await run(
    `SELECT format('ALTER ROUTINE %I.%I(%s) OWNER TO %I', n.nspname, p.proname,
                   pg_get_function_identity_arguments(p.oid), $2::text) AS statement
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.proowner <> to_regrole($2)`,
  );
  await run(
    `SELECT format('ALTER TYPE %I.%I OWNER TO %I', n.nspname, t.typname, $2::text) AS statement
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND t.typtype IN ('e', 'd', 'r') AND t.typowner <> to_regrole($2)`,
  );
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
