import { join } from 'node:path';
import {
  createServiceDataSource,
  migrateServiceSchema,
  type PostgresSettings,
  type ServiceDataSourceOptions,
} from '@kanta/database';
import { LOCAL_SERVICES, REPO_ROOT } from './services';

/** Applies every service's pending migrations, from the compiled schemas in dist/. */
export async function migrateAll(
  settings?: PostgresSettings,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  for (const service of LOCAL_SERVICES) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(join(REPO_ROOT, service.schemaModule)) as Record<
      string,
      Omit<ServiceDataSourceOptions, 'settings'>
    >;
    const schema = module[service.schemaExport];
    const applied = await migrateServiceSchema(
      createServiceDataSource({ ...schema, settings, poolSize: 2 }),
    );
    log(`${service.name}: ${applied.length > 0 ? `applied ${applied.join(', ')}` : 'up to date'}`);
  }
}
