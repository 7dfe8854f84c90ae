import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  VEHICLES,
  type CallerContext,
  type CreateSaleDto,
  type CreateVehicleDto,
  type CreateVisitDto,
  type LinkVehicleCustomerDto,
  type UpdateVehicleDto,
  type UpdateVisitDto,
  type VisitView,
} from '@kanta/contracts';
import { commandFor, createTestDatabase, type TestDatabase } from '@kanta/testing';
import { KnownCustomers, deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';

export { eventually, inOneHeldBatch, problemOf } from '@kanta/testing';
import { AppModule } from '../src/app.module';
import type { VehiclesAppOptions } from '../src/app-options';
import { SalesService } from '../src/sales/sales.service';
import { VehiclesService } from '../src/vehicles/vehicles.service';
import { VisitsService } from '../src/visits/visits.service';

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
        known.remember(manager, [
          { tenantId, facts: { customerId: id, stationIds, status: 'active', version: 1 } },
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
      await deleteBrokerObjects(
        AMQP_URL,
        systemBrokerNames({
          services: ['vehicles'],
          eventsExchange,
          eventsQueuePrefix: queuePrefix,
          rpcQueues: [],
        }),
      );
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

/** A service with some of its methods called another way. */
function withWrites<T extends object, W extends object>(
  service: T,
  writes: W,
): Omit<T, keyof W> & W {
  return Object.assign(Object.create(service) as Omit<T, keyof W>, writes);
}

/** The staff's vehicle register as the RPC handlers call it, each change a command of its own. */
export function vehiclesOf(app: INestApplication) {
  const vehicles = app.get(VehiclesService);
  return withWrites(vehicles, {
    create: (context: CallerContext, vehicle: CreateVehicleDto) =>
      vehicles.create(context, vehicle, commandFor(VEHICLES.createVehicle, context, { vehicle })),
    update: (
      context: CallerContext,
      id: string,
      expectedVersion: number,
      patch: UpdateVehicleDto,
    ) =>
      vehicles.update(
        context,
        id,
        expectedVersion,
        patch,
        commandFor(VEHICLES.updateVehicle, context, { id, expectedVersion, patch }),
      ),
    link: (context: CallerContext, vehicleId: string, link: LinkVehicleCustomerDto) =>
      vehicles.link(
        context,
        vehicleId,
        link,
        commandFor(VEHICLES.linkCustomer, context, { vehicleId, link }),
      ),
    unlink: (context: CallerContext, vehicleId: string, customerId: string) =>
      vehicles.unlink(
        context,
        vehicleId,
        customerId,
        commandFor(VEHICLES.unlinkCustomer, context, { vehicleId, customerId }),
      ),
  });
}

/**
 * Visits as the RPC handlers call them, each change a command of its own (`idempotencyKey`: the
 * client's key instead of a fresh id); a create answers the visit.
 */
export function visitsOf(app: INestApplication) {
  const visits = app.get(VisitsService);
  return withWrites(visits, {
    create: async (context: CallerContext, visit: CreateVisitDto): Promise<VisitView> =>
      (await visits.create(context, visit, commandFor(VEHICLES.createVisit, context, { visit })))
        .visit,
    createOnce: (context: CallerContext, visit: CreateVisitDto, idempotencyKey?: string) =>
      visits.create(
        context,
        visit,
        commandFor(VEHICLES.createVisit, context, { visit }, { key: idempotencyKey }),
      ),
    update: (context: CallerContext, id: string, expectedVersion: number, patch: UpdateVisitDto) =>
      visits.update(
        context,
        id,
        expectedVersion,
        patch,
        commandFor(VEHICLES.updateVisit, context, { id, expectedVersion, patch }),
      ),
  });
}

/** Sales as the RPC handlers call them, a receipt a command of its own. */
export function salesOf(app: INestApplication) {
  const sales = app.get(SalesService);
  return withWrites(sales, {
    create: (context: CallerContext, sale: CreateSaleDto) =>
      sales.create(context, sale, commandFor(VEHICLES.createSale, context, { sale })),
  });
}
