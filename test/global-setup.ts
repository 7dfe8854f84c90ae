import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  migrateServiceSchema,
  postgresSettingsFromEnv,
  quoteIdent,
  serviceDatabaseSettingsFromEnv,
} from '@kanta/database';
import { TEMPLATE_DATABASE } from '@kanta/testing';
import { SERVICE_SCHEMAS } from './service-schemas';

const root = join(__dirname, '..');
const MIGRATION_SOURCES = ['libs/database/src', 'libs/messaging/src', 'services'];

/**
 * Migrates the template database that every test file copies, as the services do: provisioned
 * by the administrator (which creates the services' roles, cluster-wide, shared by every copy),
 * migrated by each owner role. It is rebuilt only when a file that can change the schema has
 * changed since it was built (the hash is kept as its comment).
 */
export default async function globalSetup(): Promise<void> {
  const fingerprint = schemaFingerprint();
  const base = postgresSettingsFromEnv();
  const admin = new Client({ ...base, database: 'postgres' });
  await admin.connect();
  try {
    const current = await admin.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [TEMPLATE_DATABASE],
    );
    if (current.rows[0]?.comment === fingerprint) return;
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(TEMPLATE_DATABASE)} WITH (FORCE)`);
    for (const schema of SERVICE_SCHEMAS) {
      await migrateServiceSchema(
        schema,
        // The template is provisioned whatever DB_PROVISION says: nothing else would.
        serviceDatabaseSettingsFromEnv(
          schema.schema,
          { ...process.env, DB_PROVISION: 'on' },
          {
            ...base,
            database: TEMPLATE_DATABASE,
          },
        ),
      );
    }
    await admin.query(`COMMENT ON DATABASE ${quoteIdent(TEMPLATE_DATABASE)} IS '${fingerprint}'`);
  } finally {
    await admin.end();
  }
}

function schemaFingerprint(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/(migrations|database|outbox|inbox)/.test(path) && path.endsWith('.ts')) {
        hash.update(path).update(readFileSync(path));
      }
    }
  };
  for (const source of MIGRATION_SOURCES) walk(join(root, source));
  return hash.digest('hex').slice(0, 32);
}
