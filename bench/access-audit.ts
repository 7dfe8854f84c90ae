/*
 * What the access audit costs reads and searches (issue #14: at most 10 % slower at p95).
 * BENCH_CUSTOMERS customers (1,000,000) in one tenant; then BENCH_AUDIT_ROUNDS rounds (3), each
 * with the gateway restarted with AUDIT_ACCESS=off and measured, then restarted with it on and
 * measured the same way, so both sides share the data, the caches and the machine's moods: a
 * card read (GET /customers/{id}, a different customer each request), a cheap search answering
 * 25 and an e-mail search answering 1; 20 concurrent clients, BENCH_SEARCHES (2,000) requests
 * each after 1,500 of warm-up. Prints each case's p95 per round and the median of the rounds'
 * p95 on / off. The audit's whole pipeline runs while measured: the gateway's buffer and
 * flushes, the relay, the privacy service consuming the records into its access log. For each
 * round and side it also prints the CPU milliseconds per request each process spent (from /proc:
 * the services, this run's PostgreSQL backends by the service that opened them, RabbitMQ), to
 * show where what the audit costs goes. Linux only.
 */
import 'reflect-metadata';
import { Client } from 'pg';
import {
  SEARCH_CONCURRENCY,
  SEARCH_REQUESTS,
  cpuOfGroups,
  httpLoad,
  ms,
  processGroups,
  runBench,
  scratchDatabase,
  seedCustomers,
  startBenchSystem,
} from './support';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_AUDIT_ROUNDS ?? 3);
const WARMUP = 1500;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

runBench(async () => {
  const db = await scratchDatabase('audit');
  const bench = await startBenchSystem(db.env);
  const client = new Client(db.settings);
  await client.connect();
  try {
    console.log(`Seeding ${CUSTOMERS.toLocaleString('en')} customers in one tenant…`);
    await seedCustomers(client, bench.tenantId, bench.stationIds[0], CUSTOMERS);
    const ids = (
      await client.query<{ id: string }>(
        `SELECT id FROM customers.customers WHERE tenant_id = $1 AND status = 'active'
          ORDER BY md5(id::text) LIMIT 5000`,
        [bench.tenantId],
      )
    ).rows.map((r) => r.id);
    const email = (
      await client.query<{ email: string }>(
        `SELECT email FROM customers.customers WHERE tenant_id = $1 AND status = 'active'
          ORDER BY customer_number DESC LIMIT 1 OFFSET 4321`,
        [bench.tenantId],
      )
    ).rows[0].email;
    let next = 0;
    const cases = [
      { label: 'card read (1)', path: () => `/api/v1/customers/${ids[next++ % ids.length]}` },
      {
        label: 'search "mäk" (25)',
        path: () => `/api/v1/customers?q=${encodeURIComponent('mäk')}`,
      },
      {
        label: 'search by e-mail (1)',
        path: () => `/api/v1/customers?q=${encodeURIComponent(email)}`,
      },
    ];
    const p95s = new Map<string, { off: number[]; on: number[] }>(
      cases.map((c) => [c.label, { off: [], on: [] }]),
    );
    for (let round = 1; round <= ROUNDS; round++) {
      for (const audit of ['off', 'on'] as const) {
        await bench.system.restart('gateway', { signal: 'SIGTERM', env: { AUDIT_ACCESS: audit } });
        for (const c of cases) {
          const load = (amount: number) =>
            httpLoad({
              url: `${bench.system.gatewayUrl}${c.path()}`,
              path: c.path,
              method: 'GET',
              token: bench.admin.token!,
              connections: SEARCH_CONCURRENCY,
              amount,
            });
          await load(WARMUP);
          const groups = await processGroups(bench.system, client);
          const before = cpuOfGroups(groups);
          const stats = await load(SEARCH_REQUESTS);
          const after = cpuOfGroups(groups);
          p95s.get(c.label)![audit].push(stats.p95);
          const perRequest = Object.keys(groups)
            .map((name) => ({ name, ms: ((after[name] - before[name]) / stats.count) * 1000 }))
            .filter((cost) => cost.ms >= 0.005)
            .map((cost) => `${cost.name} ${cost.ms.toFixed(2)}`);
          console.log(
            `  round ${round}, audit ${audit.padEnd(3)} ${c.label.padEnd(24)} p95 ${ms(stats.p95)}` +
              `  CPU ms/request: ${perRequest.join(', ')}`,
          );
        }
      }
    }
    const recorded = (
      await client.query<{ n: string }>('SELECT count(*) AS n FROM privacy.access_log')
    ).rows[0].n;
    console.log(
      `\n== Access audit on / off, ${CUSTOMERS.toLocaleString('en')} customers, ${ROUNDS} rounds, ` +
        `${SEARCH_CONCURRENCY} clients, ${SEARCH_REQUESTS} requests a case (${recorded} access entries recorded)`,
    );
    console.log(
      `  ${'case'.padEnd(24)} ${'p95 off (median)'.padEnd(18)} ${'p95 on (median)'.padEnd(18)} on / off  target ≤ 1.10`,
    );
    for (const [label, { off, on }] of p95s) {
      const ratio = median(on) / median(off);
      console.log(
        `  ${label.padEnd(24)} ${ms(median(off)).padEnd(18)} ${ms(median(on)).padEnd(18)} ${ratio.toFixed(2).padStart(7)}  ${ratio <= 1.1 ? 'met' : 'NOT met'}`,
      );
    }
  } finally {
    await client.end();
    await bench.system.stop();
    await db.drop();
  }
});
