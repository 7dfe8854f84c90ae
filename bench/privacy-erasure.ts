/*
 * Erasure of a customer with a long history (issue #14): BENCH_ERASURE_CUSTOMERS customers (20),
 * each with BENCH_ERASURE_HISTORY visits and as many sales (200 each, notes on every visit),
 * made through the API; then each is erased in turn, timed from the POST to its receipt complete
 * (every service confirmed), polling the receipt every 10 ms. Prints p50/p95/max of the whole,
 * and of each service's confirmation after the request. No floor: the work is one transaction
 * per service and customer, timed end to end through the saga.
 */
import 'reflect-metadata';
import type { CustomerView, ErasureView } from '@kanta/contracts';
import {
  customerWithHistory,
  ms,
  percentiles,
  runBench,
  scratchDatabase,
  startBenchSystem,
} from './support';

const CUSTOMERS = Number(process.env.BENCH_ERASURE_CUSTOMERS ?? 20);
const HISTORY = Number(process.env.BENCH_ERASURE_HISTORY ?? 200);

runBench(async () => {
  const db = await scratchDatabase('erasure');
  const bench = await startBenchSystem(db.env);
  try {
    console.log(`Making ${CUSTOMERS} customers with ${HISTORY} visits and ${HISTORY} sales each…`);
    const customers: CustomerView[] = [];
    for (let c = 0; c < CUSTOMERS; c++) {
      customers.push(await customerWithHistory(bench, `Historia${c}`, c, HISTORY));
    }
    await db.analyze();

    console.log('Erasing them one after another…');
    const total: number[] = [];
    const byService = new Map<string, number[]>();
    for (const customer of customers) {
      const started = Date.now();
      const erasure = await bench.admin.expect<ErasureView>(
        202,
        'POST',
        `/api/v1/customers/${customer.id}/erase`,
        { reason: 'customer_request', confirmCustomerNumber: customer.customerNumber },
      );
      let receipt: ErasureView;
      for (;;) {
        receipt = await bench.admin.expect<ErasureView>(
          200,
          'GET',
          `/api/v1/privacy/erasures/${erasure.id}`,
        );
        if (receipt.status === 'completed') break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      total.push(Date.now() - started);
      for (const c of receipt.confirmations) {
        const after = Date.parse(c.completedAt as string) - Date.parse(receipt.requestedAt);
        byService.set(c.service, [...(byService.get(c.service) ?? []), after]);
        // Sales hold no text of the person unless a receipt URL: only visits are counted.
        if (c.service === 'vehicles' && c.counts.visits !== HISTORY) {
          throw new Error(`vehicles erased ${JSON.stringify(c.counts)}, not ${HISTORY} visits`);
        }
      }
    }
    const line = (values: number[]): string => {
      const p = percentiles(values);
      return `${ms(p.p50)} / ${ms(p.p95)} / ${ms(Math.max(...values))}`;
    };
    console.log(
      `\n== Erasure of a customer with ${HISTORY} visits and ${HISTORY} sales (${CUSTOMERS} customers)`,
    );
    console.log(`                                      p50 / p95 / max`);
    console.log(`  POST → receipt complete          ${line(total)}`);
    for (const [service, values] of [...byService.entries()].sort()) {
      console.log(`  ${`${service} confirmed (its time)`.padEnd(32)} ${line(values)}`);
    }
  } finally {
    await bench.system.stop();
    await db.drop();
  }
});
