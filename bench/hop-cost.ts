/*
 * The fixed cost of one API request: CPU time per request of each process (every service,
 * PostgreSQL backends, RabbitMQ) read from /proc while autocannon drives a cheap
 * request (a plate search in an empty tenant, a customer create, a customer search answering a
 * page of 25) with 20 concurrent clients.
 * The SQL of these requests is trivial, so what is measured is the hop: HTTP, auth, validation,
 * RPC both ways and the service's RPC edge. Linux only (reads /proc).
 */
import 'reflect-metadata';
import { Client } from 'pg';
import {
  cpuOfGroups,
  httpLoad,
  ms,
  processGroups,
  scratchDatabase,
  startBenchSystem,
  type Stats,
  runBench,
} from './support';

const REQUESTS = Number(process.env.BENCH_HOP_REQUESTS ?? 4000);
const CONCURRENCY = 20;

async function main(): Promise<void> {
  const db = await scratchDatabase('hop');
  const bench = await startBenchSystem(db.env);
  const client = new Client(db.settings);
  await client.connect();
  try {
    const { admin, stationIds } = bench;
    let next = 0;
    const cases: { label: string; load: (amount: number) => Promise<Stats> }[] = [
      {
        label: 'GET /vehicles?q=aza-000 (none found)',
        load: (amount) =>
          httpLoad({
            url: `${bench.system.gatewayUrl}/api/v1/vehicles?q=aza-000`,
            method: 'GET',
            token: admin.token!,
            connections: CONCURRENCY,
            amount,
          }),
      },
      {
        label: 'POST /customers',
        load: (amount) =>
          httpLoad({
            url: `${bench.system.gatewayUrl}/api/v1/customers`,
            method: 'POST',
            token: admin.token!,
            connections: CONCURRENCY,
            amount,
            body: () => ({
              firstName: `Hop${next}`,
              lastName: 'Mäkinen',
              phone: `+35840${String(1000000 + next).padStart(7, '0')}`,
              email: `hop${next++}@example.test`,
              stationIds: [stationIds[0]],
            }),
          }),
      },
      {
        // After the creates: 25 of them on a page, the size of a typical search answer.
        label: 'GET /customers?q=mäk (25 found)',
        load: (amount) =>
          httpLoad({
            url: `${bench.system.gatewayUrl}/api/v1/customers?q=m%C3%A4k`,
            method: 'GET',
            token: admin.token!,
            connections: CONCURRENCY,
            amount,
          }),
      },
    ];
    console.log(`\n== The gateway hop, ${CONCURRENCY} concurrent clients, ${REQUESTS} requests`);
    for (const c of cases) {
      await c.load(400);
      await db.analyze();
      const watched = await processGroups(bench.system, client);
      const before = cpuOfGroups(watched);
      const stats = await c.load(REQUESTS);
      const after = cpuOfGroups(watched);
      const perRequest = Object.keys(watched).map(
        (name) => `${name} ${(((after[name] - before[name]) / stats.count) * 1000).toFixed(2)}`,
      );
      console.log(
        `  ${c.label}: ${stats.perSecond.toFixed(0)}/s, p50 ${ms(stats.p50)}, p95 ${ms(stats.p95)}`,
      );
      console.log(`    CPU ms per request: ${perRequest.join(', ')}`);
    }
  } finally {
    await client.end();
    await bench.system.stop();
    await db.drop();
  }
}

runBench(main);
