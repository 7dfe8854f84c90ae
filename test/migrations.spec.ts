import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MigrationInterface } from 'typeorm';
import { migrationChecksum, migrationName } from '@kanta/database';
import { SERVICE_SCHEMAS } from './service-schemas';

/*
 * test/migrations.sha256 holds one line per migration of every service: the SHA-256 of the SQL
 * its `up` sends (shared helpers' SQL included), then `<schema>/<migration name>`. A migration
 * is never edited once merged; its line never changes. A new migration adds its line (this test
 * prints it); .gitattributes merges the file by union, so branches adding migrations at once do
 * not conflict. Services also record each applied migration's checksum and refuse to start when
 * one has changed (libs/database, migration-checksums.ts).
 */
const MANIFEST = join(__dirname, 'migrations.sha256');

function manifest(): Map<string, string[]> {
  const listed = new Map<string, string[]>();
  for (const line of readFileSync(MANIFEST, 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [sha256, key] = line.trim().split(/\s+/);
    listed.set(key, [...(listed.get(key) ?? []), sha256]);
  }
  return listed;
}

describe('the migrations manifest (test/migrations.sha256)', () => {
  it('lists every migration of every service, each with the checksum it had when merged', async () => {
    const listed = manifest();
    const problems: string[] = [];
    for (const schema of SERVICE_SCHEMAS) {
      for (const Migration of schema.migrations as (new () => MigrationInterface)[]) {
        const migration = new Migration();
        const key = `${schema.schema}/${migrationName(migration)}`;
        const sha256 = await migrationChecksum(migration);
        const sums = listed.get(key);
        listed.delete(key);
        if (!sums) {
          problems.push(
            `${key} is new: add the line "${sha256}  ${key}" to test/migrations.sha256`,
          );
        } else if (sums.some((sum) => sum !== sha256)) {
          problems.push(
            `${key} has changed since it was merged (listed ${sums.join(', ')}, now ${sha256}): ` +
              'migrations are never edited; restore it and make the change a new migration',
          );
        }
      }
    }
    for (const key of listed.keys()) {
      problems.push(`${key} is listed but is no longer a migration of its service`);
    }
    expect(problems).toEqual([]);
  });
});
