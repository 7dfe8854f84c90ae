import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  postgresEnv,
  postgresSettingsFromEnv,
  quoteIdent,
  serviceDatabaseSettingsFromEnv,
  type PostgresSettings,
} from '@kanta/database';

/**
 * Migrated once per change of the migrations (see test/global-setup.ts), copied per test file.
 * KANTA_TEST_TEMPLATE names another one, so two checkouts can run their tests side by side.
 */
export const TEMPLATE_DATABASE = process.env.KANTA_TEST_TEMPLATE ?? 'kanta_test_template';

export interface TestDatabase {
  /** As the administrator (PGUSER): for a test that sets up or inspects data. */
  settings: PostgresSettings;
  /** As a service's runtime role, as the service itself connects (its roles exist cluster-wide). */
  runtime(service: string): PostgresSettings;
  /** As the role that owns a service's schema, as its migrations connect. */
  owner(service: string): PostgresSettings;
  /** One statement as the administrator, on a connection of its own: set-up beyond a service. */
  query<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  /**
   * Environment variables that point a service process at this database; it connects as its
   * own roles, which the variables leave at their defaults.
   */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * A fresh, fully migrated database of its own for one test file: `CREATE DATABASE … TEMPLATE`
 * is a file copy, far faster than running migrations again. Commits are not waited on
 * (synchronous_commit off): the tests need real SQL, not durability.
 */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const base = postgresSettingsFromEnv();
  const name = `kanta_t_${label
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 20)
    .toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ ...base, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(
      `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(TEMPLATE_DATABASE)}`,
    );
    await admin.query(`ALTER DATABASE ${quoteIdent(name)} SET synchronous_commit = off`);
  } finally {
    await admin.end();
  }
  const settings = { ...base, database: name };
  return {
    settings,
    runtime: (service) => serviceDatabaseSettingsFromEnv(service, process.env, settings).runtime,
    owner: (service) => serviceDatabaseSettingsFromEnv(service, process.env, settings).owner,
    query: async <T>(sql: string, values?: unknown[]) => {
      const client = new Client(settings);
      await client.connect();
      try {
        return (await client.query(sql, values)).rows as T[];
      } finally {
        await client.end();
      }
    },
    env: postgresEnv(settings),
    drop: () => dropDatabase(name),
  };
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ ...postgresSettingsFromEnv(), database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
