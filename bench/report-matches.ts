/*
 * What the customers report pays for keeping the search's rules in the customers service
 * (services/reporting/README.md, "The `customers` report"): taking the ids of its matches over
 * RPC. BENCH_CUSTOMERS (1,000,000) customers seeded in one tenant of a whole system; for criteria
 * matching about 100,000 and about 950,000 of them, the time to page every id through
 * `customers.reportable.matches` (pages of 10,000, as the report asks), alone and with each page
 * inserted into `reporting.report_matches` as the report's run does. No target: the figure is
 * to compare with the time to write the same number of rows (`report-writers`).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  CUSTOMERS,
  REPORTABLE_MATCHES_PAGE_MAX,
  RPC_QUEUES,
  type CallerContext,
  type CustomerSearchCriteriaDto,
} from '@kanta/contracts';
import { RpcClient } from '@kanta/platform';
import { KEEP_MATCHES, pageMatches } from '../services/reporting/src/reports/customers-report';
import { runBench, scratchDatabase, seedCustomers, startBenchSystem } from './support';

const CUSTOMERS_SEEDED = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);

async function main(): Promise<void> {
  const db = await scratchDatabase('report_matches');
  const bench = await startBenchSystem(db.env);
  const client = new Client(db.settings);
  await client.connect();
  const rpc = new RpcClient({
    service: 'customers',
    amqpUrl: bench.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    queue: `${bench.env.RPC_QUEUE_PREFIX}${RPC_QUEUES.customers}`,
    timeoutMs: 60_000,
  });
  try {
    console.log(`Seeding ${CUSTOMERS_SEEDED.toLocaleString('en')} customers in one tenant…`);
    const seconds = await seedCustomers(
      client,
      bench.tenantId,
      bench.stationIds[0],
      CUSTOMERS_SEEDED,
    );
    console.log(`  seeded and indexed in ${seconds.toFixed(0)} s`);
    const context: CallerContext = {
      tenant: { id: bench.tenantId, country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' },
      userId: randomUUID(),
      role: 'admin',
      stationIds: [],
      currentStationId: null,
      correlationId: 'bench-report-matches',
    };
    // The seed makes one customer a minute, the newest now: the last ~100,000 minutes.
    const recent = new Date(Date.now() - (CUSTOMERS_SEEDED / 10) * 60_000).toISOString();
    const cases: [string, CustomerSearchCriteriaDto][] = [
      ['created in the last tenth', { createdFrom: recent }],
      ['every active customer', {}],
    ];
    const reportId = randomUUID();
    console.log('\n| criteria | ids | RPC pages alone | with the inserts | ids/s (with) |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const [label, criteria] of cases) {
      const page = async (store: boolean): Promise<{ ids: number; seconds: number }> => {
        const started = process.hrtime.bigint();
        // The report's own paging (CustomersReport), its inserts when `store`.
        const ids = await pageMatches(
          (cursor) =>
            rpc.call(CUSTOMERS.reportableMatches, context, {
              criteria,
              limit: REPORTABLE_MATCHES_PAGE_MAX,
              ...(cursor ? { cursor } : {}),
            }),
          (page) =>
            store
              ? client.query(KEEP_MATCHES, [bench.tenantId, reportId, page])
              : Promise.resolve(),
        );
        const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
        await client.query('DELETE FROM reporting.report_matches WHERE report_id = $1', [reportId]);
        return { ids, seconds: elapsed };
      };
      await page(false); // warm: the first pass reads the heap from disk
      const alone = await page(false);
      const stored = await page(true);
      console.log(
        `| ${label} | ${alone.ids.toLocaleString('en')} | ${alone.seconds.toFixed(1)} s | ` +
          `${stored.seconds.toFixed(1)} s | ${Math.round(stored.ids / stored.seconds).toLocaleString('en')} |`,
      );
    }
  } finally {
    await rpc.close();
    await client.end();
    await bench.system.stop();
    await db.drop();
  }
}

runBench(main);
