import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CallerContext } from '@kanta/contracts';
import { createTestDatabase, type TestDatabase } from '@kanta/testing';

export { eventually, inOneHeldBatch, problemOf } from '@kanta/testing';
import { AppModule } from '../src/app.module';
import type { VehiclesAppOptions } from '../src/app-options';
import { KnownCustomers } from '../src/known-customers/known-customers';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface VehiclesHarness {
  db: TestDatabase;
  /** This file's own events exchange and queue prefix on the real broker. */
  eventsExchange: string;
  queuePrefix: string;
  app: INestApplication;
  dataSource: DataSource;
  /** Makes a customer known to the service, as its created event would. */
  knowCustomer(tenantId: string, stationIds: string[], id?: string): Promise<string>;
  outbox(type?: string): Promise<{ type: string; payload: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

/** The service's module on a database and broker names of its own, without the RMQ server. */
export async function startVehicles(
  label: string,
  options: Partial<VehiclesAppOptions> = {},
): Promise<VehiclesHarness> {
  const db = await createTestDatabase(label);
  const suffix = randomUUID().slice(0, 8);
  const eventsExchange = `test.vehicles.${suffix}.events`;
  const queuePrefix = `test.${suffix}.`;
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        postgres: db.runtime('vehicles'),
        amqpUrl: AMQP_URL,
        dbPoolSize: 5,
        relay: false,
        customerWaitMs: 300,
        eventsExchange,
        queuePrefix,
        ...options,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const dataSource = app.get(DataSource);
  const known = app.get(KnownCustomers);
  return {
    db,
    eventsExchange,
    queuePrefix,
    app,
    dataSource,
    knowCustomer: async (tenantId, stationIds, id = randomUUID()) => {
      await dataSource.transaction((manager) =>
        known.rememberMany(manager, [
          { tenantId, customer: { customerId: id, stationIds, status: 'active', version: 1 } },
        ]),
      );
      return id;
    },
    outbox: (type) =>
      dataSource.query(
        `SELECT type, envelope->'payload' AS payload FROM vehicles.outbox
          WHERE $1::text IS NULL OR type = $1 ORDER BY id`,
        [type ?? null],
      ),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

export interface TenantFixture {
  tenantId: string;
  stationA: string;
  stationB: string;
  admin: CallerContext;
  /** Works at station A only. */
  worker: CallerContext;
}

export function tenantFixture(): TenantFixture {
  const tenantId = randomUUID();
  const stationA = randomUUID();
  const stationB = randomUUID();
  const tenant = {
    id: tenantId,
    country: 'FI',
    locale: 'fi' as const,
    timeZone: 'Europe/Helsinki',
  };
  const caller = (role: 'admin' | 'worker', stationIds: string[]): CallerContext => ({
    tenant,
    userId: randomUUID(),
    role,
    stationIds,
    currentStationId: stationIds[0],
    correlationId: randomUUID(),
  });
  return {
    tenantId,
    stationA,
    stationB,
    admin: caller('admin', [stationA, stationB]),
    worker: caller('worker', [stationA]),
  };
}
