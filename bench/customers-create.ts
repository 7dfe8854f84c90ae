/*
 * Creating customers through the gateway with 20 concurrent clients (target >= 500/s), beside
 * its raw floor: the same rows and outbox events written straight into PostgreSQL by 20
 * concurrent connections (number allocation, INSERT customer, INSERT outbox, NOTIFY, commit).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { printComparison, ms, runConcurrently, scratchDatabase, startBenchSystem } from './support';

const CONCURRENCY = 20;
const TOTAL = Number(process.env.BENCH_CREATES ?? 6000);
const WARMUP = 300;

function body(i: number, stationId: string): Record<string, unknown> {
  return {
    firstName: `Bench${i}`,
    lastName: ['Mäkinen', 'Virtanen', 'Korhonen', 'Nieminen'][i % 4],
    phone: `+35840${String(1000000 + i).padStart(7, '0')}`,
    email: `bench${i}@example.test`,
    stationIds: [stationId],
  };
}

async function main(): Promise<void> {
  const db = await scratchDatabase('create');
  const bench = await startBenchSystem(db.env);
  try {
    const { admin, stationIds, tenantId } = bench;
    const post = async (i: number): Promise<void> => {
      const response = await admin.request('POST', '/api/v1/customers', body(i, stationIds[0]));
      if (response.status !== 201) throw new Error(`create answered ${response.status}`);
    };
    await runConcurrently(CONCURRENCY, WARMUP, post);
    const api = await runConcurrently(CONCURRENCY, TOTAL, (i) => post(WARMUP + i));

    const pool = new Pool({ ...db.settings, max: CONCURRENCY });
    const offset = WARMUP + TOTAL;
    const raw = await runConcurrently(CONCURRENCY, TOTAL, async (i) => {
      const client = await pool.connect();
      try {
        const b = body(offset + i, stationIds[0]);
        const number = await client.query<{ n: string }>(
          'SELECT customers.allocate_customer_number($1) AS n',
          [tenantId],
        );
        await client.query('BEGIN');
        const id = randomUUID();
        await client.query(
          `INSERT INTO customers.customers (tenant_id, id, first_name, last_name, phone, phone_raw,
             phone_national, email, customer_number, station_ids)
           VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9) RETURNING *`,
          [
            tenantId,
            id,
            b.firstName,
            b.lastName,
            b.phone,
            String(b.phone).replace('+358', '0'),
            b.email,
            number.rows[0].n,
            stationIds,
          ],
        );
        await client.query(
          `INSERT INTO customers.outbox (event_id, type, tenant_id, envelope) VALUES ($1, $2, $3, $4)`,
          [
            randomUUID(),
            'customers.customer.created.v1',
            tenantId,
            JSON.stringify({ customerId: id }),
          ],
        );
        await client.query(`SELECT pg_notify('kanta_outbox_bench', '')`);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    });
    await pool.end();

    printComparison(
      `Create customer, ${CONCURRENCY} concurrent clients, ${TOTAL} creates`,
      [
        { label: 'gateway: creates/s', value: api.perSecond.toFixed(0) },
        {
          label: 'gateway: p50 / p95 / p99',
          value: `${ms(api.p50)} / ${ms(api.p95)} / ${ms(api.p99)}`,
        },
        { label: 'raw SQL floor: creates/s', value: raw.perSecond.toFixed(0) },
        { label: 'raw SQL floor: p50 / p99', value: `${ms(raw.p50)} / ${ms(raw.p99)}` },
      ],
      {
        label: 'gateway / raw (throughput)',
        value: api.perSecond / raw.perSecond,
        target: '>= 500 creates/s through the gateway',
        met: api.perSecond >= 500,
      },
    );
  } finally {
    await bench.system.stop();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
