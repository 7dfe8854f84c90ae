import type { DataSource } from 'typeorm';
import type { ServiceHealth } from '@kanta/contracts';
import type { MessagingHealth } from './messaging.module';

const CHECK_TIMEOUT_MS = 2_000;

/**
 * What a service answers on `/health` and to its `<service>.health` RPC: its database (one
 * bounded `SELECT 1`) and the broker connection its outbox relay and consumer use.
 */
export async function checkServiceHealth(
  service: string,
  dataSource: DataSource,
  messaging: MessagingHealth,
): Promise<ServiceHealth> {
  const database = await databaseStatus(dataSource);
  const broker = messaging.check().status;
  return {
    service,
    status: database === 'up' && broker === 'up' ? 'ok' : 'degraded',
    checks: { database, broker },
  };
}

async function databaseStatus(dataSource: DataSource): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('health check timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([dataSource.query('SELECT 1'), timeout]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
