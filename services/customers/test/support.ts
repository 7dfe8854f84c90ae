import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CallerContext } from '@kanta/contracts';
import { createTestDatabase, type TestDatabase } from '@kanta/testing';

export { problemOf } from '@kanta/testing';
import { AppModule } from '../src/app.module';
import { CustomersService } from '../src/customers/customers.service';
import { FieldRulesService } from '../src/field-rules/field-rules.service';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface CustomersHarness {
  /** This file's own events exchange on the real broker. */
  eventsExchange: string;
  db: TestDatabase;
  app: INestApplication;
  customers: CustomersService;
  fieldRules: FieldRulesService;
  dataSource: DataSource;
  close(): Promise<void>;
}

/** The service's module on a database of its own, without the RMQ server. */
export async function startCustomers(label: string): Promise<CustomersHarness> {
  const db = await createTestDatabase(label);
  const suffix = randomUUID().slice(0, 8);
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        postgres: db.settings,
        amqpUrl: AMQP_URL,
        dbPoolSize: 5,
        relay: false,
        // Broker names of this file's own: its consumer must not meet another run's events.
        eventsExchange: `test.customers.${suffix}.events`,
        queuePrefix: `test.${suffix}.`,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return {
    eventsExchange: `test.customers.${suffix}.events`,
    db,
    app,
    customers: app.get(CustomersService),
    fieldRules: app.get(FieldRulesService),
    dataSource: app.get(DataSource),
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

export function tenantFixture(country = 'FI'): TenantFixture {
  const tenantId = randomUUID();
  const stationA = randomUUID();
  const stationB = randomUUID();
  const tenant = { id: tenantId, country, locale: 'fi' as const };
  return {
    tenantId,
    stationA,
    stationB,
    admin: {
      tenant,
      userId: randomUUID(),
      role: 'admin',
      stationIds: [stationA, stationB],
      currentStationId: stationA,
      correlationId: randomUUID(),
    },
    worker: {
      tenant,
      userId: randomUUID(),
      role: 'worker',
      stationIds: [stationA],
      currentStationId: stationA,
      correlationId: randomUUID(),
    },
  };
}

export const superadmin: CallerContext = {
  tenant: null,
  userId: randomUUID(),
  role: 'superadmin',
  stationIds: [],
  currentStationId: null,
  correlationId: 'superadmin-test',
};
