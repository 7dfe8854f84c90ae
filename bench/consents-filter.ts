/*
 * The consent filter of customer search at 1,000,000 customers in one tenant: "e-mail and SMS
 * marketing both granted, in station X" and its kin, through the gateway with 20 concurrent
 * clients, beside the same SQL (the service's own statements and step decision) straight from pg.
 * The customers' marketing consents are the projection the customers service keeps from
 * consents.consent.recorded.v1 (customers.marketing_consents), seeded directly.
 * Target per query, as for search: API p95 <= max(3 x raw p95, raw p95 + 15 ms).
 */
import 'reflect-metadata';
import { Client, Pool } from 'pg';
import type { MarketingConsentFilter } from '@kanta/contracts';
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
  settleAfterSeed,
  SEARCH_CONCURRENCY,
} from './support';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);

interface FilterCase {
  label: string;
  consent: MarketingConsentFilter;
  station: 'big' | 'small' | null;
  q?: string;
}

const CASES: FilterCase[] = [
  { label: 'both granted, big station', consent: 'both', station: 'big' },
  { label: 'both granted, small station', consent: 'both', station: 'small' },
  { label: 'either granted', consent: 'either', station: null },
  { label: 'neither, "virtanen"', consent: 'neither', station: null, q: 'virtanen' },
  { label: 'SMS granted, small station, "mäk"', consent: 'sms', station: 'small', q: 'mäk' },
];

async function main(): Promise<void> {
  const db = await scratchDatabase('consents');
  const bench = await startBenchSystem(db.env, 2);
  const client = new Client(db.settings);
  await client.connect();
  const pool = new Pool({ ...db.settings, max: SEARCH_CONCURRENCY });
  try {
    const { tenantId, stationIds } = bench;
    const [big, small] = stationIds;
    console.log(`Seeding ${CUSTOMERS.toLocaleString('en')} customers in one tenant…`);
    let seconds = await seedCustomers(client, tenantId, big, CUSTOMERS);
    // 20% both consents, 10% e-mail only, 10% SMS only, 60% none; 2% of customers at the small
    // station. The customer number is 100000 + the row's sequence number.
    const started = Date.now();
    await client.query(
      `UPDATE customers.customers SET
         marketing_consents = CASE (customer_number::int % 10) WHEN 0 THEN 3 WHEN 1 THEN 3
                                   WHEN 2 THEN 1 WHEN 3 THEN 2 ELSE 0 END,
         station_ids = CASE WHEN (customer_number::int / 10) % 50 = 7 THEN ARRAY[$2::uuid]
                            ELSE station_ids END
        WHERE tenant_id = $1`,
      [tenantId, small],
    );
    await settleAfterSeed(client, ['customers.customers']);
    seconds += (Date.now() - started) / 1000;
    console.log(`  seeded, consents set and indexed in ${seconds.toFixed(0)} s`);

    const pgQuery = async <T>(text: string, values: unknown[]): Promise<T[]> =>
      (await pool.query(text, values)).rows as T[];
    const stationOf = (c: FilterCase): string | null =>
      c.station === 'big' ? big : c.station === 'small' ? small : null;

    await compareSearches({
      title: `Consent filter at ${CUSTOMERS.toLocaleString('en')} customers`,
      bench,
      cases: CASES.map((c) => {
        const station = stationOf(c);
        const params = new URLSearchParams({ marketingConsent: c.consent });
        if (station) params.set('stationIds', station);
        if (c.q) params.set('q', c.q);
        const search: CustomerSearchCriteria = {
          tenantId,
          patterns: tokeniseSearch(c.q).map(containsPattern),
          includePassive: false,
          createdFrom: null,
          createdBefore: null,
          stationIds: station ? [station] : null,
          marketingConsent: c.consent,
          after: null,
          limit: 26,
        };
        return {
          label: c.label,
          path: `/api/v1/customers?${params.toString()}`,
          raw: async () => {
            await runSearch(pgQuery, search);
          },
        };
      }),
    });
  } finally {
    await pool.end();
    await client.end();
    await bench.system.stop();
    await db.drop();
  }
}

runBench(main);
