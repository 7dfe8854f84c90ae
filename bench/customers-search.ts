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
  type CustomerSearch,
} from '../services/customers/src/customers/customers.repository';
import { containsPattern, tokeniseSearch } from '../services/customers/src/customers/search-query';
import { NAMES } from '@kanta/local';
import { compareSearches, scratchDatabase, startBenchSystem } from './support';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_SEARCHES ?? 400);
const CONCURRENCY = 20;

// The demo's Finnish and Polish names, with French and Ukrainian ones for accents and Cyrillic.
const FIRST = [
  ...NAMES.fi.first,
  ...NAMES.pl.first,
  ...['Marie', 'Jean', 'Élodie', 'Léa', 'Hugo', 'Chloé', 'Olena', 'Taras', 'Sofiia', 'Andrii'],
  ...['Iryna', 'Oksana', 'Mykola'],
];
const LAST = [
  ...NAMES.fi.last,
  ...NAMES.pl.last,
  ...['Martin', 'Bernard', 'Dubois', 'Lefèvre', 'Moreau', 'Fournier', 'Girard', 'Bonnet'],
  ...['Шевченко', 'Коваленко', 'Бондаренко', 'Ткаченко', 'Кравченко', 'Олійник', 'Шевчук'],
];

/** 1M synthetic customers generated inside Postgres (a COPY from Node would only add transfer). */
export async function seed(client: Client, tenantId: string, stationId: string): Promise<number> {
  const started = Date.now();
  await client.query(`SET maintenance_work_mem = '1GB'`);
  await client.query('DROP INDEX customers.customers_search_idx');
  // Ids as the service makes them (UUIDv7, time-ordered), so rows lie in the heap in id order.
  await client.query(
    `CREATE FUNCTION pg_temp.customers_bench_uuidv7(ts timestamptz, n int) RETURNS uuid
       LANGUAGE sql AS $$ SELECT (lpad(to_hex(floor(extract(epoch FROM ts) * 1000)::bigint), 12, '0')
         || '7' || substr(md5(n::text), 1, 3) || '8' || substr(md5(n::text), 4, 15))::uuid $$`,
  );
  await client.query(
    `INSERT INTO customers.customers (tenant_id, id, first_name, last_name, email, phone,
       phone_raw, phone_national, customer_number, station_ids, status, created_at, updated_at)
     SELECT $1, pg_temp.customers_bench_uuidv7(now() - (($3::int - n) * interval '1 minute'), n),
            f.name, l.name,
            lower(f.ascii) || '.' || lower(l.ascii) || n || '@example.test',
            '+35840' || lpad(n::text, 7, '0'), '040 ' || lpad(n::text, 7, '0'),
            '040' || lpad(n::text, 7, '0'), (100000 + n)::text, ARRAY[$2::uuid],
            CASE WHEN n % 20 = 7 THEN 'passive' ELSE 'active' END,
            now() - (($3::int - n) * interval '1 minute'), now()
       FROM generate_series(1, $3::int) AS n
       JOIN LATERAL (SELECT name, customers.search_fold(name) AS ascii
                       FROM unnest($4::text[]) WITH ORDINALITY AS x(name, i)
                      WHERE i = 1 + n % cardinality($4::text[])) f ON true
       JOIN LATERAL (SELECT name, customers.search_fold(name) AS ascii
                       FROM unnest($5::text[]) WITH ORDINALITY AS x(name, i)
                      WHERE i = 1 + (n / cardinality($4::text[])) % cardinality($5::text[])) l ON true`,
    [tenantId, stationId, CUSTOMERS, FIRST, LAST],
  );
  await client.query(
    `CREATE INDEX customers_search_idx ON customers.customers
       USING gin (tenant_id, search_text public.gin_trgm_ops)`,
  );
  await client.query('VACUUM ANALYZE customers.customers');
  return (Date.now() - started) / 1000;
}

interface QueryCase {
  label: string;
  q: string;
}

async function main(): Promise<void> {
  const db = await scratchDatabase('search');
  const bench = await startBenchSystem(db.env);
  const client = new Client(db.settings);
  await client.connect();
  const pool = new Pool({ ...db.settings, max: CONCURRENCY });
  try {
    const { admin, tenantId, stationIds } = bench;
    console.log(`Seeding ${CUSTOMERS.toLocaleString('en')} customers in one tenant…`);
    const seconds = await seed(client, tenantId, stationIds[0]);
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

    const rawSearch = (q: string): CustomerSearch => ({
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
      gatewayUrl: bench.system.gatewayUrl,
      admin,
      requests: REQUESTS,
      concurrency: CONCURRENCY,
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
