import { randomBytes, randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CallerContext } from '@kanta/contracts';
import { createTestDatabase, deleteRedisKeys, type TestDatabase } from '@kanta/testing';
import type { CustomersAppOptions } from '../src/app-options';

export { problemOf } from '@kanta/testing';
import { AppModule } from '../src/app.module';
import { CustomersService } from '../src/customers/customers.service';
import { FieldRulesService } from '../src/field-rules/field-rules.service';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type JobsOptions = Pick<CustomersAppOptions, 'redisUrl' | 'jobsPrefix' | 'reminderSweepIntervalMs'>;

/**
 * Redis settings of a test file's own: a key prefix nobody else uses (the Redis is shared), and a
 * sweep that stays out of the way unless a test wants it.
 */
export function testJobsOptions(label: string, overrides: Partial<JobsOptions> = {}): JobsOptions {
  return {
    redisUrl: REDIS_URL,
    jobsPrefix: `test:jobs:${label}:${randomBytes(4).toString('hex')}`,
    reminderSweepIntervalMs: 3_600_000,
    ...overrides,
  };
}

/** Deletes this prefix's job keys only: never FLUSHALL a Redis others share. */
export function deleteJobKeys(prefix: string): Promise<number> {
  return deleteRedisKeys(`${prefix}:`);
}

export interface CustomersHarness {
  /** Prefix of this harness's event queues (`<prefix>customers.events.dlq`). */
  queuePrefix: string;
  /** This file's own events exchange on the real broker. */
  eventsExchange: string;
  db: TestDatabase;
  app: INestApplication;
  customers: CustomersService;
  fieldRules: FieldRulesService;
  dataSource: DataSource;
  jobsPrefix: string;
  /** Closes the app; deletes its Redis keys and drops the database unless `keepDatabase`. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

/** The service's module on a database of its own (or a given one), without the RMQ server. */
export async function startCustomers(
  label: string,
  options: { jobs?: Partial<JobsOptions>; db?: TestDatabase } = {},
): Promise<CustomersHarness> {
  const db = options.db ?? (await createTestDatabase(label));
  const jobs = testJobsOptions(label, options.jobs);
  const suffix = randomUUID().slice(0, 8);
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        postgres: db.runtime('customers'),
        amqpUrl: AMQP_URL,
        dbPoolSize: 5,
        relay: false,
        ...jobs,
        // Broker names of this file's own: its consumers must not meet another run's events.
        messaging: {
          eventsExchange: `test.customers.${suffix}.events`,
          queuePrefix: `test.${suffix}.`,
        },
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return {
    eventsExchange: `test.customers.${suffix}.events`,
    queuePrefix: `test.${suffix}.`,
    db,
    app,
    customers: app.get(CustomersService),
    fieldRules: app.get(FieldRulesService),
    dataSource: app.get(DataSource),
    jobsPrefix: jobs.jobsPrefix,
    close: async ({ keepDatabase = false } = {}) => {
      try {
        await app.close();
        if (jobs.redisUrl === REDIS_URL) await deleteJobKeys(jobs.jobsPrefix);
      } finally {
        if (!keepDatabase) await db.drop();
      }
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

export function tenantFixture(country = 'FI', timeZone = 'Europe/Helsinki'): TenantFixture {
  const tenantId = randomUUID();
  const stationA = randomUUID();
  const stationB = randomUUID();
  const tenant = { id: tenantId, country, locale: 'fi' as const, timeZone };
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
