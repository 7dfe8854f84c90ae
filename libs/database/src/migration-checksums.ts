import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent } from './bootstrap';

/** The name TypeORM records for a migration in its `migrations` table. */
export function migrationName(migration: MigrationInterface): string {
  return migration.name ?? migration.constructor.name;
}

/**
 * SHA-256 of the SQL a migration's `up` sends, with its parameters: what it does to a database,
 * whichever file or shared helper (libs/messaging's table definitions) the text comes from.
 * `up` runs against a recorder that answers every statement with no rows, so the checksum needs
 * no database and cannot depend on one's data. Migrations only call `queryRunner.query`; any
 * other use of the query runner is refused, so that nothing escapes the checksum.
 */
export async function migrationChecksum(migration: MigrationInterface): Promise<string> {
  const hash = createHash('sha256');
  const recorder = new Proxy(
    {},
    {
      get(_target, property) {
        if (property === 'query') {
          return (sql: string, parameters?: unknown[]): Promise<unknown[]> => {
            hash
              .update(sql)
              .update('\0')
              .update(JSON.stringify(parameters ?? []))
              .update('\0');
            return Promise.resolve([]);
          };
        }
        if (property === 'then') return undefined;
        throw new Error(
          `${migrationName(migration)} uses queryRunner.${String(property)}: migrations send SQL ` +
            'with queryRunner.query only, so that their checksum covers all they do',
        );
      },
    },
  ) as QueryRunner;
  await migration.up(recorder);
  return hash.digest('hex');
}

const table = (schema: string): string => `${quoteIdent(schema)}.migration_checksums`;

/**
 * Refuses to go on (before anything is applied) when a migration applied to this schema has
 * changed since, or is gone from the service's list: migrations are never edited, a change is a
 * new migration. A migration applied before checksums were kept gets the current one recorded
 * by `recordMigrationChecksums` (the baseline). Runs as the schema's owner, under its lock.
 */
export async function checkAppliedMigrations(
  client: Client,
  schema: string,
  migrations: MigrationInterface[],
): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${table(schema)} (
       name text PRIMARY KEY,
       sha256 text NOT NULL,
       recorded_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const history = await client.query<{ exists: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS exists',
    [`${quoteIdent(schema)}.migrations`],
  );
  if (!history.rows[0].exists) return;
  const applied = await client.query<{ name: string; sha256: string | null }>(
    `SELECT m.name, c.sha256 FROM ${quoteIdent(schema)}.migrations m
       LEFT JOIN ${table(schema)} c USING (name) ORDER BY m.timestamp`,
  );
  const byName = new Map(migrations.map((m) => [migrationName(m), m]));
  const problems: string[] = [];
  for (const { name, sha256 } of applied.rows) {
    const migration = byName.get(name);
    if (!migration) {
      problems.push(`${name} was applied but is no longer one of the service's migrations`);
    } else if (sha256 !== null && sha256 !== (await migrationChecksum(migration))) {
      problems.push(`${name} has changed since it was applied (sha256 then ${sha256})`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `Refusing to migrate schema ${schema}: an applied migration is never edited; restore it ` +
        `and make the change a new migration.\n  - ${problems.join('\n  - ')}`,
    );
  }
}

/** Records the checksum of every applied migration that has none yet. */
export async function recordMigrationChecksums(
  client: Client,
  schema: string,
  migrations: MigrationInterface[],
): Promise<void> {
  const missing = await client.query<{ name: string }>(
    `SELECT m.name FROM ${quoteIdent(schema)}.migrations m
      WHERE NOT EXISTS (SELECT 1 FROM ${table(schema)} c WHERE c.name = m.name)`,
  );
  const byName = new Map(migrations.map((m) => [migrationName(m), m]));
  for (const { name } of missing.rows) {
    const migration = byName.get(name);
    if (!migration) continue;
    await client.query(`INSERT INTO ${table(schema)} (name, sha256) VALUES ($1, $2)`, [
      name,
      await migrationChecksum(migration),
    ]);
  }
}
