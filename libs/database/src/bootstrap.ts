import { Client } from 'pg';
import type { PostgresSettings } from './config';

/**
 * Extensions are per database, not per schema, so they are created here once for every service
 * rather than in any one service's migrations. They live in `public`; services reference them
 * with qualified names (`public.unaccent`).
 */
export const DATABASE_EXTENSIONS = ['pg_trgm', 'unaccent', 'btree_gin'] as const;

/** Creates the database if it is missing, then the shared extensions. Idempotent. */
export async function bootstrapDatabase(settings: PostgresSettings): Promise<void> {
  const admin = new Client({ ...settings, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      settings.database,
    ]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${quoteIdent(settings.database)}`);
    }
  } catch (error) {
    // Two services starting at once may both try to create it; the loser sees 42P04.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await admin.end();
  }
  const client = new Client(settings);
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext('kanta.bootstrap'))");
    for (const extension of DATABASE_EXTENSIONS) {
      await client.query(`CREATE EXTENSION IF NOT EXISTS ${extension} WITH SCHEMA public`);
    }
  } finally {
    await client.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
