import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';
import {
  createTestDatabase,
  eventually,
  spawnTsChild,
  type TestChild,
  type TestDatabase,
} from '@kanta/testing';
import type { ImportCommitWorkerConfig } from './import-commit-worker';
import { personRow, seedPlannedImport } from './import-commit-support';
import { AMQP_URL, REDIS_URL, deleteJobKeys, tenantFixture } from './support';

const ROWS = 20_000;
const BATCH = 500;
const KILLS = 3;

jest.setTimeout(90_000);

/*
 * issue #16, "Bad input and faults": `kill -9` of the worker three times during a commit; it
 * finishes by itself (the next process's sweep takes the commit over at once, the dead one's
 * lease gone with its connection; its BullMQ job comes back as stalled and is skipped or runs
 * it), every row exactly once, the counts right. Real processes, real PostgreSQL and Redis.
 */
describe('an import commit whose worker is killed with SIGKILL', () => {
  let db: TestDatabase;
  const suffix = randomBytes(4).toString('hex');
  const jobsPrefix = `test:jobs:import-kills:${suffix}`;
  const eventsExchange = `test.customers.${suffix}.events`;
  const queuePrefix = `test.${suffix}.`;
  let child: TestChild | null = null;
  beforeAll(async () => {
    db = await createTestDatabase('import-kills');
  });
  afterAll(async () => {
    await child?.kill9();
    await deleteJobKeys(jobsPrefix);
    await deleteBrokerObjects(
      AMQP_URL,
      systemBrokerNames({
        services: ['customers'],
        eventsExchange,
        eventsQueuePrefix: queuePrefix,
        rpcQueues: [],
      }),
    );
    await db.drop();
  });

  it(`commits ${ROWS} rows exactly once through ${KILLS} kills`, async () => {
    const started = Date.now();
    const t = tenantFixture();
    const id = await seedPlannedImport(
      { query: (sql: string, values?: unknown[]) => db.query(sql, values) },
      t.tenantId,
      Array.from({ length: ROWS }, (_, i) => personRow(i + 1)),
    );
    const config: ImportCommitWorkerConfig = {
      postgres: db.runtime('customers'),
      amqpUrl: AMQP_URL,
      redisUrl: REDIS_URL,
      jobsPrefix,
      eventsExchange,
      queuePrefix,
      batchSize: BATCH,
    };
    const spawn = async (first: boolean): Promise<TestChild> => {
      const c = spawnTsChild(join(__dirname, 'import-commit-worker.ts'), {
        KANTA_CHILD: JSON.stringify({
          ...config,
          ...(first ? { start: { context: t.admin, importId: id } } : {}),
        }),
      });
      await c.line('ready', 30_000);
      return c;
    };
    const progress = async (): Promise<number> =>
      (
        await db.query<{ n: number }>(
          'SELECT committed_through AS n FROM customers.imports WHERE tenant_id = $1 AND id = $2',
          [t.tenantId, id],
        )
      )[0].n;

    child = await spawn(true);
    let killedAt: number[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      // Killed in the middle of the commit, each time further on: batches are in flight.
      const mark = Math.floor((ROWS * kill) / (KILLS + 1));
      await eventually(async () => ((await progress()) >= mark ? true : undefined), 40_000);
      await child.kill9();
      killedAt = [...killedAt, await progress()];
      child = await spawn(false);
    }
    const done = await eventually(async () => {
      const [row] = await db.query<Record<string, unknown>>(
        'SELECT * FROM customers.imports WHERE tenant_id = $1 AND id = $2',
        [t.tenantId, id],
      );
      return row.status === 'committed' ? row : undefined;
    }, 40_000);
    // Every kill cut a commit that had rows to go.
    expect(killedAt.every((n) => n > 0 && n < ROWS)).toBe(true);
    expect(done).toMatchObject({
      committed_through: ROWS,
      n_created: ROWS,
      n_failed: 0,
      n_skipped: 0,
    });
    const [counts] = await db.query<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM customers.customers WHERE tenant_id = $1 AND import_id = $2) AS customers,
              (SELECT count(DISTINCT customer_number)::int FROM customers.customers
                WHERE tenant_id = $1 AND import_id = $2) AS numbers,
              (SELECT count(*)::int FROM customers.import_rows
                WHERE tenant_id = $1 AND import_id = $2 AND result = 'created'
                  AND planned IS NULL) AS rows_created,
              (SELECT count(DISTINCT customer_id)::int FROM customers.import_rows
                WHERE tenant_id = $1 AND import_id = $2) AS row_customers,
              (SELECT count(*)::int FROM customers.outbox
                WHERE tenant_id = $1 AND type = 'customers.customer.created.v1') AS events,
              (SELECT count(DISTINCT envelope->'payload'->>'customerId')::int FROM customers.outbox
                WHERE tenant_id = $1 AND type = 'customers.customer.created.v1') AS event_customers`,
      [t.tenantId, id],
    );
    expect(counts).toEqual({
      customers: ROWS,
      numbers: ROWS,
      rows_created: ROWS,
      row_customers: ROWS,
      events: ROWS,
      event_customers: ROWS,
    });
    // The test's own budget (issue #16: under a minute).
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
