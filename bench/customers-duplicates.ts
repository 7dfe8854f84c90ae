/*
 * Duplicate detection at 1,000,000 customers in one tenant:
 * - the full scan job (POST /customers/duplicates/scan until its row says completed), on a
 *   tenant seeded in bulk with planted duplicate pairs of each kind;
 * - GET /api/v1/customers/duplicates pages through the gateway with 20 concurrent clients,
 *   beside the service's own list statement run straight from pg with 20 connections.
 *   Target: API p95 <= max(3 x raw p95, raw p95 + 15 ms);
 * - the on-create candidate check (the service's one statement) raw, 20 connections.
 */
import 'reflect-metadata';
import { Client, Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { DuplicatePairPage, DuplicateScanView } from '@kanta/contracts';
import { NAMES } from '@kanta/local';
import {
  candidatesStatement,
  DuplicatesRepository,
  type DuplicateKeys,
} from '../services/customers/src/duplicates/duplicates.repository';
import { decodePairCursor } from '../services/customers/src/duplicates/duplicates.service';
import {
  compareSearches,
  ms,
  runConcurrently,
  scratchDatabase,
  startBenchSystem,
  runBench,
  settleAfterSeed,
  SEARCH_REQUESTS,
} from './support';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_DUPLICATE_PAGES ?? SEARCH_REQUESTS);
const CONCURRENCY = 20;
/** Planted pairs of each kind (phone, e-mail, name + birthday, name + postal code). */
const PLANTED = Math.min(2000, Math.floor(CUSTOMERS / 500));
const FIRST = [...NAMES.fi.first, ...NAMES.pl.first];
const LAST = [...NAMES.fi.last, ...NAMES.pl.last];

/**
 * The tenant as a bulk load leaves it: generated inside Postgres (a COPY from Node would only add
 * transfer). A tenth of the customers have a birthday (its lookup hash), every one a postal code
 * out of 3,000. Then the planted pairs: copies of existing customers sharing one key each.
 */
async function seed(client: Client, tenantId: string, stationId: string): Promise<number> {
  const started = Date.now();
  await client.query(`SET maintenance_work_mem = '1GB'`);
  await client.query(
    `INSERT INTO customers.customers (tenant_id, first_name, last_name, email, phone, phone_raw,
       phone_national, customer_number, station_ids, addresses, birthday_lookup)
     SELECT $1::uuid, ($4::text[])[1 + n % cardinality($4::text[])],
            ($5::text[])[1 + (n / cardinality($4::text[])) % cardinality($5::text[])],
            'c' || n || '@example.test', '+35840' || lpad(n::text, 7, '0'),
            '040 ' || lpad(n::text, 7, '0'), '040' || lpad(n::text, 7, '0'), (100000 + n)::text,
            ARRAY[$2::uuid],
            jsonb_build_array(jsonb_build_object('type', 'home',
              'postalCode', lpad(((n::bigint * 7919) % 3000)::text, 5, '0'))),
            CASE WHEN n % 10 = 1 THEN decode(md5($1::text || (n % 25000)::text), 'hex') END
       FROM generate_series(1, $3::int) AS n`,
    [tenantId, stationId, CUSTOMERS, FIRST, LAST],
  );
  // Each kind copies another range of customers; the copies share only that kind's key.
  const plant = (kind: number, columns: string): Promise<unknown> =>
    client.query(
      `INSERT INTO customers.customers (tenant_id, first_name, last_name, email, phone,
         addresses, birthday_lookup, customer_number, station_ids)
       SELECT s.tenant_id, ${columns}, (5000000 + $3::int * 100000 + k)::text, s.station_ids
         FROM generate_series(1, $2::int) AS k
         JOIN customers.customers s
           ON s.tenant_id = $1 AND s.customer_number = (100000 + k * 400 + $3::int * 10 + 1)::text`,
      [tenantId, PLANTED, kind],
    );
  const typo = `left(s.last_name, -1) || 'x'`;
  await plant(0, `'Other', s.last_name, NULL, s.phone, '[]', NULL`);
  await plant(1, `'Else', s.last_name, s.email, NULL, '[]', NULL`);
  await plant(2, `s.first_name, ${typo}, NULL, NULL, '[]', s.birthday_lookup`);
  await plant(3, `s.first_name, ${typo}, NULL, NULL, s.addresses, NULL`);
  await settleAfterSeed(client, ['customers.customers']);
  return (Date.now() - started) / 1000;
}

async function main(): Promise<void> {
  const db = await scratchDatabase('duplicates');
  const bench = await startBenchSystem(db.env);
  const client = new Client(db.settings);
  await client.connect();
  const pool = new Pool({ ...db.settings, max: CONCURRENCY });
  try {
    const { admin, tenantId, stationIds } = bench;
    console.log(`Seeding ${CUSTOMERS.toLocaleString('en')} customers in one tenant…`);
    console.log(`  seeded in ${(await seed(client, tenantId, stationIds[0])).toFixed(0)} s`);

    // The scan, as an admin starts it, until its row says completed.
    const scanStarted = Date.now();
    await admin.expect(202, 'POST', '/api/v1/customers/duplicates/scan');
    let scan: DuplicateScanView;
    do {
      await new Promise((resolve) => setTimeout(resolve, 500));
      scan = await admin.expect<DuplicateScanView>(200, 'GET', '/api/v1/customers/duplicates/scan');
    } while (scan.status === 'queued' || scan.status === 'running');
    if (scan.status !== 'completed') throw new Error(`scan ${scan.status}`);
    const scanSeconds = (Date.parse(scan.finishedAt!) - Date.parse(scan.startedAt!)) / 1000;
    const reasons = (
      await client.query<{ reason: string; n: number }>(
        `SELECT reason, count(*)::int AS n FROM customers.duplicate_pairs, unnest(reasons) reason
          WHERE tenant_id = $1 GROUP BY reason ORDER BY reason`,
        [tenantId],
      )
    ).rows;
    console.log(
      `\n== Full duplicate scan at ${CUSTOMERS.toLocaleString('en')} customers (${PLANTED} planted pairs per kind)`,
    );
    console.log(
      `  job ${scanSeconds.toFixed(1)} s (request to completed ${((Date.now() - scanStarted) / 1000).toFixed(1)} s), ${scan.pairsFound} pairs: ${reasons.map((r) => `${r.reason} ${r.n}`).join(', ')}`,
    );

    // Pages: the first, and one deep in the list (after 100 pages of 25).
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const body: DuplicatePairPage = await admin.expect<DuplicatePairPage>(
        200,
        'GET',
        `/api/v1/customers/duplicates?limit=25${cursor ? `&cursor=${cursor}` : ''}`,
      );
      cursor = body.nextCursor;
    }
    const repository = new DuplicatesRepository({
      query: async (text: string, values: unknown[]): Promise<unknown[]> =>
        (await pool.query(text, values)).rows as unknown[],
    } as unknown as DataSource);
    const cases = [
      { label: 'first page (25)', query: '', after: null },
      { label: 'page 101 (cursor)', query: `&cursor=${cursor!}`, after: cursor },
      { label: 'minScore=0.9', query: '&minScore=0.9', after: null },
    ];
    await compareSearches({
      title: 'GET /customers/duplicates',
      bench,
      requests: REQUESTS,
      cases: cases.map((c) => ({
        label: c.label,
        path: `/api/v1/customers/duplicates?limit=25${c.query}`,
        raw: async () => {
          await repository.listPairs({
            tenantId,
            minScore: c.query.includes('minScore') ? 0.9 : 0,
            stationIds: null,
            hiddenReasons: [],
            after: c.after ? decodePairCursor(c.after) : null,
            limit: 26,
          });
        },
      })),
    });

    // The on-create check: probes of each kind against the seeded tenant.
    const sample = (
      await client.query<{
        first_name: string;
        last_name: string;
        phone: string;
        email: string;
        addresses: unknown[];
        birthday_lookup: Buffer;
      }>(
        `SELECT first_name, last_name, phone, email, addresses, birthday_lookup
           FROM customers.customers WHERE tenant_id = $1 AND customer_number = $2`,
        [tenantId, String(100000 + 4321 * 10 + 1)],
      )
    ).rows[0];
    const probe = (keys: Partial<DuplicateKeys>): DuplicateKeys => ({
      kind: 'person',
      firstName: sample.first_name,
      lastName: `${sample.last_name}x`,
      companyName: null,
      phone: null,
      email: null,
      externalIds: [],
      customerNumber: null,
      addresses: [],
      birthdayLookup: null,
      ...keys,
    });
    const probes = [
      { label: 'no match (new customer)', keys: probe({ phone: '+358409999999' }) },
      { label: 'phone + e-mail', keys: probe({ phone: sample.phone, email: sample.email }) },
      { label: 'name + birthday', keys: probe({ birthdayLookup: sample.birthday_lookup }) },
      { label: 'name + postal code', keys: probe({ addresses: sample.addresses }) },
    ];
    console.log(`\n== On-create candidate check (raw SQL), ${CONCURRENCY} connections`);
    for (const p of probes) {
      const { text, values } = candidatesStatement(tenantId, p.keys, {
        excludeId: null,
        limit: 50,
      });
      const found = (await pool.query(text, values)).rowCount;
      const stats = await runConcurrently(CONCURRENCY, REQUESTS, async () => {
        await pool.query(text, values);
      });
      console.log(
        `  ${`${p.label} (${found} found)`.padEnd(34)} p50 ${ms(stats.p50)}  p95 ${ms(stats.p95)}`,
      );
    }
  } finally {
    await pool.end();
    await client.end();
    await bench.system.stop();
    await db.drop();
  }
}

runBench(main);
