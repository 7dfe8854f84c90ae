import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

const names = new Map<string, string>();

/** A stable name per statement text: the same text always gets the same prepared statement. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `k_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs a statement as a named prepared statement of the connection it lands on: PostgreSQL
 * parses it once per connection and, after five runs, keeps a generic plan when that plan is no
 * worse than the custom ones. Profiles of a customer create showed parsing and planning at more
 * than half of PostgreSQL's CPU; for a statement whose best plan does not depend on its values
 * (lookups by key, inserts) that work is pure overhead.
 *
 * Only for statements whose text is one of a few fixed shapes: every distinct text stays
 * prepared on every connection that ran it. Not for searches, whose plan rightly depends on
 * the words searched. Inside a transaction, pass its manager: the statement runs on the
 * transaction's connection. Errors are the driver's own (code, constraint), not TypeORM's
 * wrapper.
 */
export async function queryPrepared<T>(
  runner: DataSource | EntityManager,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const config = { name: nameOf(text), text, values };
  const queryRunner = 'queryRunner' in runner ? runner.queryRunner : undefined;
  if (queryRunner) {
    // As manager.query would: a finished transaction's manager must not quietly run outside it.
    if (queryRunner.isReleased) throw new Error('queryPrepared: the query runner is released');
    const client = (await queryRunner.connect()) as PoolClient;
    return (await client.query(config)).rows as T[];
  }
  const dataSource = 'driver' in runner ? runner : runner.dataSource;
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  return (await pool.query(config)).rows as T[];
}
