import { join } from 'node:path';
import {
  migrateServiceSchema,
  serviceDatabaseSettingsFromEnv,
  type PostgresSettings,
  type ServiceSchema,
} from '@kanta/database';
import { LOCAL_SERVICES, REPO_ROOT } from './services';

/**
 * Provisions (unless DB_PROVISION=off) and migrates every service's schema, from the compiled
 * schemas in dist/, with each service's roles as the environment names them. `admin` stands in
 * for the PG* settings (another database, say).
 */
export async function migrateAll(
  admin?: PostgresSettings,
  log: (line: string) => void = () => undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  for (const service of LOCAL_SERVICES) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(join(REPO_ROOT, service.schemaModule)) as Record<string, ServiceSchema>;
    const applied = await migrateServiceSchema(
      module[service.schemaExport],
      serviceDatabaseSettingsFromEnv(service.name, env, admin),
    );
    log(`${service.name}: ${applied.length > 0 ? `applied ${applied.join(', ')}` : 'up to date'}`);
  }
}
