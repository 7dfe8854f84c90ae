/*
 * Plate and VIN search at 1,000,000 vehicles in one tenant: p50/p95 of typical lookups through
 * the gateway with 20 concurrent clients, beside the same statement (vehicleSearchStatement, the
 * service's own SQL) run straight from pg with 20 connections.
 * Target per query: API p95 <= max(3 x raw p95, raw p95 + 15 ms).
 */
import 'reflect-metadata';
import { Client, Pool } from 'pg';
import { normaliseRegistration } from '@kanta/contracts';
import { vehicleSearchStatement } from '../services/vehicles/src/vehicles/vehicles.repository';
import {
  compareSearches,
  scratchDatabase,
  settleAfterSeed,
  startBenchSystem,
  runBench,
  SEARCH_CONCURRENCY,
} from './support';

const VEHICLES = Number(process.env.BENCH_VEHICLES ?? 1_000_000);

/**
 * Synthetic vehicles generated inside Postgres (a COPY from Node would only add transfer):
 * plates AAA-000 … in order of n, VINs WVWZZZ + 11 digits, every tenth with a linked customer.
 * The unique indexes are built after the load, as a bulk import would.
 */
async function seed(client: Client, tenantId: string): Promise<number> {
  const started = Date.now();
  await client.query(`SET maintenance_work_mem = '1GB'`);
  await client.query(
    'ALTER TABLE vehicles.vehicles DROP CONSTRAINT vehicles_registration_unique CASCADE',
  );
  await client.query('DROP INDEX vehicles.vehicles_vin_unique');
  await client.query(
    `INSERT INTO vehicles.vehicles (tenant_id, id, registration, registration_norm, make, model,
       year, vin, created_at, updated_at)
     SELECT $1, gen_random_uuid(), p.plate || '-' || lpad((n % 1000)::text, 3, '0'),
            p.plate || lpad((n % 1000)::text, 3, '0'), 'Make', 'Model', 1990 + n % 35,
            'WVWZZZ' || lpad(n::text, 11, '0'), now(), now()
       FROM generate_series(0, $2::int - 1) AS n
       JOIN LATERAL (SELECT chr(65 + (n / 1000 / 676) % 26) || chr(65 + (n / 1000 / 26) % 26)
                            || chr(65 + (n / 1000) % 26) AS plate) p ON true`,
    [tenantId, VEHICLES],
  );
  await client.query(
    `ALTER TABLE vehicles.vehicles ADD CONSTRAINT vehicles_registration_unique
       UNIQUE (tenant_id, registration_norm)`,
  );
  await client.query(
    `CREATE UNIQUE INDEX vehicles_vin_unique ON vehicles.vehicles (tenant_id, vin)
       WHERE vin IS NOT NULL`,
  );
  await client.query(
    `INSERT INTO vehicles.vehicle_customers (tenant_id, vehicle_id, customer_id, role, is_default)
     SELECT tenant_id, id, gen_random_uuid(), 'owner', true FROM vehicles.vehicles
      WHERE tenant_id = $1 AND right(registration_norm, 1) = '7'`,
    [tenantId],
  );
  await settleAfterSeed(client, ['vehicles.vehicles', 'vehicles.vehicle_customers']);
  return (Date.now() - started) / 1000;
}

async function main(): Promise<void> {
  const db = await scratchDatabase('vehsearch');
  const bench = await startBenchSystem(db.env);
  const client = new Client(db.settings);
  await client.connect();
  const pool = new Pool({ ...db.settings, max: SEARCH_CONCURRENCY });
  try {
    const { tenantId } = bench;
    console.log(`Seeding ${VEHICLES.toLocaleString('en')} vehicles in one tenant…`);
    console.log(`  seeded and indexed in ${(await seed(client, tenantId)).toFixed(0)} s`);
    const sample = (
      await client.query<{ registration: string; vin: string }>(
        `SELECT registration, vin FROM vehicles.vehicles WHERE tenant_id = $1
          ORDER BY registration_norm OFFSET $2 LIMIT 1`,
        [tenantId, Math.floor(VEHICLES * 0.65)],
      )
    ).rows[0];
    const plate = sample.registration.toLowerCase();
    const cases = [
      { label: `plate as typed "${plate}"`, q: plate },
      { label: `plate without hyphen`, q: sample.registration.replace('-', '') },
      { label: `plate beginning "${plate.slice(0, 2)}"`, q: plate.slice(0, 2) },
      { label: 'full VIN', q: sample.vin },
      { label: 'VIN beginning (13 characters)', q: sample.vin.slice(0, 13).toLowerCase() },
    ];
    await compareSearches({
      title: `Plate and VIN search at ${VEHICLES.toLocaleString('en')} vehicles`,
      bench,
      cases: cases.map((c) => {
        const statement = vehicleSearchStatement({
          tenantId,
          prefix: normaliseRegistration(c.q),
          customerId: null,
          after: null,
          limit: 26,
        });
        return {
          label: c.label,
          path: `/api/v1/vehicles?q=${encodeURIComponent(c.q)}`,
          raw: async () => {
            await pool.query(statement.text, statement.values);
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
