/*
 * Search at 1,000,000 customers in one tenant: p50/p95 of six representative queries through
 * the gateway with 20 concurrent clients, beside the same SQL (the service's own statements and
 * step decision) run straight from pg with 20 connections.
 * Target per query: API p95 <= max(3 x raw p95, raw p95 + 15 ms).
 */
import 'reflect-metadata';
import { Client, Pool } from 'pg';
import {
  runSearch,
  type CustomerSearchCriteria,
} from '../services/customers/src/customers/customers.repository';
import { containsPattern, tokeniseSearch } from '../services/customers/src/customers/search-query';
import {
  compareSearches,
  scratchDatabase,
  seedCustomers,
  startBenchSystem,
  runBench,
  SEARCH_CONCURRENCY,
} from './support';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);

interface QueryCase {
  label: string;
  q: string;
}

async function main(): Promise<void> {
  const db = await scratchDatabase('search');
  const bench = await startBenchSystem(db.env);
  const client = new Client(db.settings);
  await client.connect();
  const pool = new Pool({ ...db.settings, max: SEARCH_CONCURRENCY });
  try {
    const { tenantId, stationIds } = bench;
    console.log(`Seeding ${CUSTOMERS.toLocaleString('en')} customers in one tenant…`);
    const seconds = await seedCustomers(client, tenantId, stationIds[0], CUSTOMERS);
    console.log(`  seeded and indexed in ${seconds.toFixed(0)} s`);
    const sample = (
      await client.query<{ email: string; phone_national: string; customer_number: string }>(
        `SELECT email, phone_national, customer_number FROM customers.customers
          WHERE tenant_id = $1 AND status = 'active' ORDER BY customer_number DESC LIMIT 1 OFFSET 4321`,
        [tenantId],
      )
    ).rows[0];
    const spaced = `${sample.phone_national.slice(0, 3)} ${sample.phone_national.slice(3, 6)} ${sample.phone_national.slice(6)}`;
    const cases: QueryCase[] = [
      { label: 'name fragment "mäk"', q: 'mäk' },
      { label: 'full name "matti virtanen"', q: 'matti virtanen' },
      { label: `phone with spaces "${spaced}"`, q: spaced },
      { label: 'e-mail', q: sample.email },
      { label: `customer number "${sample.customer_number}"`, q: sample.customer_number },
      { label: 'accented name "wisniewski"', q: 'wisniewski' },
    ];

    const rawSearch = (q: string): CustomerSearchCriteria => ({
      tenantId,
      patterns: tokeniseSearch(q).map(containsPattern),
      includePassive: false,
      createdFrom: null,
      createdBefore: null,
      stationIds: null,
      after: null,
      limit: 26,
    });
    const pgQuery = async <T>(text: string, values: unknown[]): Promise<T[]> =>
      (await pool.query(text, values)).rows as T[];

    await compareSearches({
      title: `Search at ${CUSTOMERS.toLocaleString('en')} customers`,
      bench,
      cases: cases.map((c) => ({
        label: c.label,
        path: `/api/v1/customers?q=${encodeURIComponent(c.q)}`,
        raw: async () => {
          await runSearch(pgQuery, rawSearch(c.q));
        },
      })),
    });
  } finally {
    await pool.end();
    await client.end();
    await bench.system.stop();
    await db.drop();
  }
}

runBench(main);
