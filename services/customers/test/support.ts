import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';
import {
  CUSTOMERS,
  type CallerContext,
  type CreateCustomerDto,
  type CreateCustomerResult,
  type CreateReminderCommand,
  type CustomerLabelList,
  type CustomerView,
  type FieldRulesDto,
  type UpdateCustomerDto,
  type UpdateReminderCommand,
} from '@kanta/contracts';
import { commandFor, createTestDatabase, deleteRedisKeys, type TestDatabase } from '@kanta/testing';
import type { CustomersAppOptions } from '../src/app-options';

export { problemOf } from '@kanta/testing';
import { AppModule } from '../src/app.module';
import { CustomerCards } from '../src/customers/customer-cards';
import { CustomerCreation } from '../src/customers/creation/customer-creation';
import { CustomerSearch } from '../src/customers/search/customer-search';
import { CustomerUpdate } from '../src/customers/update/customer-update';
import { DuplicatesService } from '../src/duplicates/duplicates.service';
import { FieldRulesService } from '../src/field-rules/field-rules.service';
import { LabelsService } from '../src/labels/labels.service';
import { RemindersService } from '../src/reminders/reminders.service';

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

/**
 * The card's use cases as the RPC handlers call them, each write with a command of its own as
 * the RPC edge makes it (`idempotencyKey`: the client's key instead of a fresh id).
 */
export interface CustomerUseCases {
  create(
    context: CallerContext,
    input: CreateCustomerDto,
    idempotencyKey?: string,
    options?: { allowDuplicate?: boolean },
  ): Promise<CreateCustomerResult>;
  get: CustomerCards['get'];
  update(
    context: CallerContext,
    id: string,
    expectedVersion: number,
    patch: UpdateCustomerDto,
  ): Promise<CustomerView>;
  search: CustomerSearch['search'];
}

export interface CustomersHarness {
  /** Prefix of this harness's event queues (`<prefix>customers.events.dlq`). */
  queuePrefix: string;
  /** This file's own events exchange on the real broker. */
  eventsExchange: string;
  db: TestDatabase;
  app: INestApplication;
  /** The card's use cases, as the RPC handlers call them. */
  customers: CustomerUseCases;
  fieldRules: ReturnType<typeof fieldRulesOf>;
  dataSource: DataSource;
  jobsPrefix: string;
  /** Closes the app; deletes its Redis keys and drops the database unless `keepDatabase`. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

/** The service's module on a database of its own (or a given one), without the RMQ server. */
export async function startCustomers(
  label: string,
  options: {
    jobs?: Partial<JobsOptions>;
    db?: TestDatabase;
    importCommit?: CustomersAppOptions['importCommit'];
    imports?: Pick<CustomersAppOptions, 'importFileReader' | 'importMaxBytes'>;
  } = {},
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
        importCommit: options.importCommit,
        ...jobs,
        importsDir: join(tmpdir(), `kanta-imports-${label}-${suffix}`),
        ...options.imports,
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
    customers: customerUseCases(app),
    fieldRules: fieldRulesOf(app),
    dataSource: app.get(DataSource),
    jobsPrefix: jobs.jobsPrefix,
    close: async ({ keepDatabase = false } = {}) => {
      try {
        await app.close();
        await deleteBrokerObjects(
          AMQP_URL,
          systemBrokerNames({
            services: ['customers'],
            eventsExchange: `test.customers.${suffix}.events`,
            eventsQueuePrefix: `test.${suffix}.`,
            rpcQueues: [],
          }),
        );
        if (jobs.redisUrl === REDIS_URL) await deleteJobKeys(jobs.jobsPrefix);
      } finally {
        if (!keepDatabase) await db.drop();
      }
    },
  };
}

function customerUseCases(app: INestApplication): CustomerUseCases {
  const creation = app.get(CustomerCreation);
  const cards = app.get(CustomerCards);
  const updates = app.get(CustomerUpdate);
  const searches = app.get(CustomerSearch);
  return {
    create: (context, input, idempotencyKey, options = {}) =>
      creation.create(
        context,
        input,
        commandFor(
          CUSTOMERS.create,
          context,
          { customer: input, ...options },
          { key: idempotencyKey },
        ),
        options,
      ),
    get: (...args) => cards.get(...args),
    update: (context, id, expectedVersion, patch) =>
      updates.update(
        context,
        id,
        expectedVersion,
        patch,
        commandFor(CUSTOMERS.update, context, { id, expectedVersion, patch }),
      ),
    search: (...args) => searches.search(...args),
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

/** The tenant's groups and sources as the RPC handlers call them, each change a command of its own. */
export function labelsOf(app: INestApplication) {
  const labels = app.get(LabelsService);
  return {
    list: labels.list.bind(labels),
    create: (context: CallerContext, list: CustomerLabelList, name: string) =>
      labels.create(
        context,
        list,
        name,
        commandFor(CUSTOMERS.createLabel, context, { list, name }),
      ),
    rename: (context: CallerContext, list: CustomerLabelList, id: string, name: string) =>
      labels.rename(
        context,
        list,
        id,
        name,
        commandFor(CUSTOMERS.renameLabel, context, { list, id, name }),
      ),
    delete: (context: CallerContext, list: CustomerLabelList, id: string) =>
      labels.delete(context, list, id, commandFor(CUSTOMERS.deleteLabel, context, { list, id })),
  };
}

/** Reminders as the RPC handlers call them, each change a command of its own. */
export function remindersOf(app: INestApplication) {
  const reminders = app.get(RemindersService);
  return {
    get: reminders.get.bind(reminders),
    list: reminders.list.bind(reminders),
    create: (context: CallerContext, data: CreateReminderCommand) =>
      reminders.create(context, data, commandFor(CUSTOMERS.createReminder, context, data)),
    update: (context: CallerContext, data: UpdateReminderCommand) =>
      reminders.update(context, data, commandFor(CUSTOMERS.updateReminder, context, data)),
    delete: (context: CallerContext, id: string) =>
      reminders.delete(context, id, commandFor(CUSTOMERS.deleteReminder, context, { id })),
  };
}

/** The field rules as the RPC handlers call them, a change a command of its own. */
export function fieldRulesOf(app: INestApplication) {
  const fieldRules = app.get(FieldRulesService);
  return {
    get: fieldRules.get.bind(fieldRules),
    rulesFor: fieldRules.rulesFor.bind(fieldRules),
    put: (context: CallerContext, rules: FieldRulesDto) =>
      fieldRules.put(context, rules, commandFor(CUSTOMERS.putFieldRules, context, rules)),
  };
}

/** Duplicates as the RPC handlers call them: the scan request a command of its own. */
export function duplicatesOf(app: INestApplication) {
  const duplicates = app.get(DuplicatesService);
  return Object.assign(Object.create(duplicates) as DuplicatesService, {
    requestScan: (context: CallerContext) =>
      duplicates.requestScan(context, commandFor(CUSTOMERS.scanDuplicates, context, {})),
  });
}
