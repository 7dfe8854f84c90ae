/*
 * Creating customers through the gateway with 20 concurrent clients (target >= 500/s), beside
 * its raw floor: the same rows and outbox events written straight into PostgreSQL by 20
 * concurrent connections: the three statements the service runs (duplicate probe, number,
 * customer with its event), prepared as the service prepares them, sent straight from pg.
 */
import 'reflect-metadata';
import { Pool } from 'pg';
import { CUSTOMERS, CUSTOMER_CREATED_V1 } from '@kanta/contracts';
import { Outbox, commandStatementPart } from '@kanta/messaging';
import { WriteCommand, uuidv7 } from '@kanta/platform';
import { blankCard, type CustomerWrite } from '../services/customers/src/customers/customer-row';
import { insertCustomerStatement } from '../services/customers/src/customers/customers.repository';
import { candidatesStatement } from '../services/customers/src/duplicates/duplicates.repository';
import { PAIRS_PER_CUSTOMER } from '../services/customers/src/duplicates/duplicates.service';
import {
  DEVELOPMENT_KEYS,
  SensitiveData,
} from '../services/customers/src/sensitive/sensitive-data';
import { CUSTOMERS_SCHEMA } from '../services/customers/src/database/schema';
import {
  httpLoad,
  printComparison,
  ms,
  runConcurrently,
  scratchDatabase,
  startBenchSystem,
  type Stats,
  runBench,
} from './support';

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
    let next = 0;
    const load = (amount: number): Promise<Stats> =>
      httpLoad({
        url: `${bench.system.gatewayUrl}/api/v1/customers`,
        method: 'POST',
        token: admin.token!,
        connections: CONCURRENCY,
        amount,
        body: () => body(next++, stationIds[0]),
      });
    await load(WARMUP);
    await db.analyze();
    const api = await load(TOTAL);

    // The floor: the service's three statements (probe, number, then the customer with its
    // event in one statement), named as the service's are, sent straight from pg by 20
    // connections.
    const pool = new Pool({ ...db.settings, max: CONCURRENCY });
    const outbox = new Outbox(CUSTOMERS_SCHEMA, 'customers');
    const offset = WARMUP + TOTAL + 1;
    const raw = await runConcurrently(CONCURRENCY, TOTAL, async (i) => {
      const b = body(offset + i, stationIds[0]) as {
        firstName: string;
        lastName: string;
        phone: string;
        email: string;
      };
      const probe = candidatesStatement(
        tenantId,
        {
          kind: 'person',
          firstName: b.firstName,
          lastName: b.lastName,
          companyName: null,
          phone: b.phone,
          email: b.email,
          externalIds: [],
          customerNumber: null,
          addresses: [],
          birthdayLookup: null,
        },
        { excludeId: null, limit: PAIRS_PER_CUSTOMER },
      );
      await pool.query({ name: 'bench_probe', ...probe });
      const number = await pool.query<{ n: string }>({
        name: 'bench_number',
        text: 'SELECT customers.allocate_customer_number($1) AS n',
        values: [tenantId],
      });
      const id = uuidv7();
      const write: CustomerWrite = {
        ...blankCard(),
        kind: 'person',
        first_name: b.firstName,
        last_name: b.lastName,
        company_name: null,
        phone: b.phone,
        phone_raw: b.phone,
        phone_national: b.phone.replace('+358', '0'),
        email: b.email,
        customer_number: number.rows[0].n,
        station_ids: stationIds,
        external_ids: [],
      };
      const statement = insertCustomerStatement(
        {
          tenantId,
          id,
          origin: 'reception',
          write,
          // The service records each create's command with it: so does the floor.
          command: (firstParam) =>
            commandStatementPart(
              CUSTOMERS_SCHEMA,
              new WriteCommand(
                tenantId,
                uuidv7(),
                false,
                new Date(Date.now() + 10_000),
                CUSTOMERS.create.pattern,
                '',
              ),
              firstParam,
              '$2',
            ),
          events: (firstParam) =>
            outbox.statementPart(
              [
                {
                  type: CUSTOMER_CREATED_V1,
                  tenantId,
                  correlationId: null,
                  payload: {
                    customerId: id,
                    customerNumber: write.customer_number,
                    kind: 'person',
                    status: 'active',
                    origin: 'reception',
                    stationIds,
                    version: 1,
                  },
                },
              ],
              firstParam,
            ),
        },
        new SensitiveData(DEVELOPMENT_KEYS),
      );
      await pool.query({ name: 'bench_insert', ...statement });
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

runBench(main);
