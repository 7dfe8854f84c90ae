import type { EntityManager } from 'typeorm';

/**
 * Transaction-scoped advisory locks on named things (`hashtextextended(key, 0)`), released at
 * commit or rollback: one statement for all of them, each key once and in sorted order, so
 * concurrent transactions that need overlapping keys wait for each other instead of deadlocking.
 * Tests hold the same keys with `pg_advisory_lock(hashtextextended(key, 0))`.
 */
export async function lockKeys(manager: EntityManager, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await manager.query(
    'SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k',
    [[...new Set(keys)].sort()],
  );
}
