import { Client } from 'pg';
import type { PostgresSettings } from './config';

/**
 * Extensions are per database, not per schema, so they are created here once for every service
 * rather than in any one service's migrations. They live in `public`; services reference them
 * with qualified names (`public.unaccent`).
 */
export const DATABASE_EXTENSIONS = ['pg_trgm', 'unaccent', 'btree_gin'] as const;

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

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
