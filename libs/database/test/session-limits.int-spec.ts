import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import {
  createServiceDataSource,
  isDatabaseUnavailable,
  postgresSettingsFromEnv,
} from '@kanta/database';
import { createTestDatabase, type TestDatabase } from '@kanta/testing';

/*
 * The limits PGSTATEMENT_TIMEOUT_MS, PGLOCK_TIMEOUT_MS and PGIDLE_IN_TRANSACTION_TIMEOUT_MS set
 * on every connection of a service's DataSource, each met for real: a long statement, a lock
 * another session holds, a transaction left open.
 */
describe('the session limits of a service’s connections (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let other: Client;

  beforeAll(async () => {
    db = await createTestDatabase('limits');
    await db.query('CREATE TABLE public.lock_probe (id int PRIMARY KEY, n int NOT NULL)');
    await db.query('INSERT INTO public.lock_probe VALUES (1, 0)');
    const settings = postgresSettingsFromEnv({
      ...process.env,
      PGDATABASE: db.settings.database,
      PGSTATEMENT_TIMEOUT_MS: '1500',
      PGLOCK_TIMEOUT_MS: '300',
      PGIDLE_IN_TRANSACTION_TIMEOUT_MS: '400',
    });
    dataSource = createServiceDataSource({
      schema: 'public',
      entities: [],
      migrations: [],
      settings,
      poolSize: 2,
    });
    await dataSource.initialize();
    other = new Client(db.settings);
    await other.connect();
  });

  afterAll(async () => {
    await other?.end();
    await dataSource?.destroy();
    await db?.drop();
  });

  const failureOf = async (action: Promise<unknown>): Promise<{ code?: string; ms: number }> => {
    const started = Date.now();
    try {
      await action;
    } catch (error) {
      const { driverError } = error as { driverError?: { code?: string } };
      return { code: (driverError ?? (error as { code?: string })).code, ms: Date.now() - started };
    }
    throw new Error(`it succeeded after ${Date.now() - started} ms`);
  };

  it('cancels a statement that runs past PGSTATEMENT_TIMEOUT_MS', async () => {
    const failure = await failureOf(dataSource.query('SELECT pg_sleep(5)'));
    expect(failure.code).toBe('57014');
    expect(failure.ms).toBeGreaterThanOrEqual(1400);
    expect(failure.ms).toBeLessThan(4000);
    // The connection is fine afterwards; the caller answers 503, not 500.
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('gives up waiting for a lock another session holds after PGLOCK_TIMEOUT_MS', async () => {
    await other.query('BEGIN');
    await other.query('SELECT * FROM public.lock_probe WHERE id = 1 FOR UPDATE');
    try {
      const failure = await failureOf(
        dataSource.query('UPDATE public.lock_probe SET n = n + 1 WHERE id = 1'),
      );
      // A lock timeout, well before the statement timeout would have ended the wait.
      expect(failure.code).toBe('55P03');
      expect(failure.ms).toBeLessThan(1400);
      expect(isDatabaseUnavailable({ code: failure.code })).toBe(true);
    } finally {
      await other.query('ROLLBACK');
    }
    await dataSource.query('UPDATE public.lock_probe SET n = n + 1 WHERE id = 1');
  });

  it('ends a transaction left idle past PGIDLE_IN_TRANSACTION_TIMEOUT_MS, and its locks with it', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await runner.query('SELECT * FROM public.lock_probe WHERE id = 1 FOR UPDATE');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // The row is free again: the server ended the idle session and rolled it back.
      const free = await other.query(
        'SELECT id FROM public.lock_probe WHERE id = 1 FOR UPDATE NOWAIT',
      );
      expect(free.rows).toEqual([{ id: 1 }]);
      // TypeORM saw its connection end and let the runner go: the transaction is over.
      await expect(runner.query('SELECT 1')).rejects.toThrow(/released/);
    } finally {
      await runner.release().catch(() => undefined);
    }
    // The pool replaces the ended connection: the service goes on.
    expect(await dataSource.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
  });
});
