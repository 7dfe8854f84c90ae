import type { DataSource } from 'typeorm';
import { eventually } from './eventually';

/**
 * Makes events gather into one consumer batch, as a burst does in production. The test holds
 * the advisory lock `lockKey` (as the service names it: `hashtextextended(key, 0)`), sends a
 * first, gate event whose handler takes that lock, waits until the consumer's batch is stuck on
 * it, sends the rest, lets them settle in the queue, then lets go: the rest arrive in the
 * consumer's next batch together.
 */
export async function inOneHeldBatch(
  dataSource: DataSource,
  lockKey: string,
  sendGate: () => unknown,
  sendRest: () => unknown,
  settleMs = 300,
): Promise<void> {
  const holder = dataSource.createQueryRunner();
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey]);
  try {
    await sendGate();
    await eventually(async () =>
      (
        await dataSource.query<unknown[]>(
          `SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
            WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()`,
        )
      ).length
        ? true
        : undefined,
    );
    await sendRest();
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  } finally {
    await holder.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]);
    await holder.release();
  }
}
