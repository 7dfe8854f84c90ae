import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import {
  IMPORT_VEHICLES_DONE_V1,
  IMPORT_VEHICLES_V1,
  type EventEnvelope,
  type ImportedVehicleV1,
  type ImportVehiclesDoneV1,
  type ImportVehiclesV1,
} from '@kanta/contracts';
import { KnownCustomers } from '@kanta/messaging';
import { ImportedVehicles } from '../src/import/imported-vehicles';
import {
  eventually,
  startVehicles,
  tenantFixture,
  vehiclesOf,
  AMQP_URL,
  type VehiclesHarness,
} from './support';

jest.setTimeout(30_000);

type Row = Record<string, unknown>;

/*
 * The vehicles of a customer import (issue #16): customers.import.vehicles.v1 through the real
 * broker into the consumer, the answer read from the outbox.
 */
describe('vehicles of a customer import (real Postgres and RabbitMQ)', () => {
  let h: VehiclesHarness;
  let connection: ChannelModel;
  let channel: Channel;
  beforeAll(async () => {
    h = await startVehicles('import', { consumer: { retryDelayMs: 200, maxAttempts: 2 } });
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
  });
  afterAll(async () => {
    await connection.close();
    await h.close();
  });

  const publish = (tenantId: string, payload: ImportVehiclesV1, eventId = randomUUID()): void => {
    const event: EventEnvelope = {
      eventId,
      type: IMPORT_VEHICLES_V1,
      occurredAt: new Date().toISOString(),
      tenantId,
      producer: 'customers',
      correlationId: null,
      payload,
    };
    channel.publish(h.eventsExchange, event.type, Buffer.from(JSON.stringify(event)), {
      persistent: true,
    });
  };
  const answers = (importId: string) =>
    h
      .outbox(IMPORT_VEHICLES_DONE_V1)
      .then((rows) =>
        rows
          .map((r) => r.payload as unknown as ImportVehiclesDoneV1)
          .filter((p) => p.importId === importId),
      );
  const answer = (importId: string, batch: number) =>
    eventually(async () => (await answers(importId)).find((a) => a.batch === batch));
  const rows = (sql: string, params: unknown[]) => h.dataSource.query<Row[]>(sql, params);
  const vehicle = (customerId: string, rowNumber: number, plate: string, more = {}) =>
    ({
      rowNumber,
      customerId,
      plate,
      vin: null,
      make: 'Skoda',
      model: 'Octavia',
      year: 2015,
      ...more,
    }) satisfies ImportedVehicleV1;

  it('creates each new vehicle with its customer as the default owner, in one batch', async () => {
    const t = tenantFixture();
    const [a, b] = [randomUUID(), randomUUID()];
    const importId = randomUUID();
    publish(t.tenantId, {
      importId,
      batch: 1,
      vehicles: [vehicle(a, 1, 'abc-123', { vin: 'wvw zzz1jz 3w386752' }), vehicle(b, 2, 'XYZ 9')],
    });
    expect(await answer(importId, 1)).toEqual({
      importId,
      batch: 1,
      created: 2,
      linked: 0,
      refused: [],
    });
    const made = await rows(
      `SELECT v.registration, v.registration_norm, v.vin, v.make, v.year, l.customer_id, l.role,
              l.is_default
         FROM vehicles.vehicles v JOIN vehicles.vehicle_customers l
           ON l.tenant_id = v.tenant_id AND l.vehicle_id = v.id
        WHERE v.tenant_id = $1 ORDER BY v.registration_norm`,
      [t.tenantId],
    );
    expect(made).toEqual([
      {
        registration: 'abc-123',
        registration_norm: 'ABC123',
        vin: 'WVWZZZ1JZ3W386752',
        make: 'Skoda',
        year: 2015,
        customer_id: a,
        role: 'owner',
        is_default: true,
      },
      expect.objectContaining({ registration_norm: 'XYZ9', customer_id: b, is_default: true }),
    ]);
    // The customers service's plate search learns them like any created vehicle.
    const created = (await h.outbox('vehicles.vehicle.created.v1')).filter((e) =>
      ['ABC123', 'XYZ9'].includes(e.payload.registration as string),
    );
    expect(created).toHaveLength(2);
    expect(created[0].payload.customers).toEqual([
      { customerId: a, role: 'owner', isDefault: true },
    ]);
  });

  it('links a plate the tenant has already to the row customer as an owner, without a second vehicle', async () => {
    const t = tenantFixture();
    const staff = await h.knowCustomer(t.tenantId, [t.stationA]);
    const existing = await vehiclesOf(h.app).create(t.admin, { registration: 'FIX-1' });
    await vehiclesOf(h.app).link(t.admin, existing.id, {
      customerId: staff,
      role: 'owner',
      isDefault: true,
    });
    const [a, b] = [randomUUID(), randomUUID()];
    const importId = randomUUID();
    // Row 1 and row 3 name the same new plate typed two ways: one vehicle, two owners.
    publish(t.tenantId, {
      importId,
      batch: 1,
      vehicles: [vehicle(a, 1, 'fix 1'), vehicle(a, 2, 'NEW-7'), vehicle(b, 3, 'new7')],
    });
    expect(await answer(importId, 1)).toMatchObject({ created: 1, linked: 2, refused: [] });
    const links = await rows(
      `SELECT v.registration_norm, l.customer_id, l.is_default FROM vehicles.vehicles v
         JOIN vehicles.vehicle_customers l ON l.tenant_id = v.tenant_id AND l.vehicle_id = v.id
        WHERE v.tenant_id = $1 ORDER BY v.registration_norm, l.linked_at, l.customer_id`,
      [t.tenantId],
    );
    expect(links).toEqual(
      expect.arrayContaining([
        { registration_norm: 'FIX1', customer_id: staff, is_default: true },
        { registration_norm: 'FIX1', customer_id: a, is_default: false },
        { registration_norm: 'NEW7', customer_id: a, is_default: true },
        { registration_norm: 'NEW7', customer_id: b, is_default: false },
      ]),
    );
    expect(links).toHaveLength(4);
    const [{ count }] = await rows(
      'SELECT count(*)::int AS count FROM vehicles.vehicles WHERE tenant_id = $1',
      [t.tenantId],
    );
    expect(count).toBe(2);
    const linkedEvent = (await h.outbox('vehicles.vehicle.linked.v1')).find(
      (e) => e.payload.vehicleId === existing.id && (e.payload.customers as Row[]).length === 2,
    );
    expect(linkedEvent).toBeDefined();
  });

  it('refuses rows by the vehicles API rules, naming row, field and a code, and creates the rest', async () => {
    const t = tenantFixture();
    const c = randomUUID();
    const erased = await h.knowCustomer(t.tenantId, [t.stationA]);
    await h.dataSource.transaction((m) =>
      h.app.get(KnownCustomers).markErased(m, t.tenantId, erased),
    );
    await vehiclesOf(h.app).create(t.admin, { registration: 'OLD-1', vin: '1HGCM82633A004352' });
    const importId = randomUUID();
    publish(t.tenantId, {
      importId,
      batch: 2,
      vehicles: [
        vehicle(c, 10, '<script>'),
        vehicle(c, 11, 'OK-1', { vin: 'IIIIIIIIIIIIIIIII' }),
        vehicle(c, 12, 'OK-2', { year: 1850 }),
        vehicle(c, 13, 'OK-3', { make: 'x'.repeat(61) }),
        vehicle(c, 14, 'OK-4', { vin: '1HGCM82633A004352' }),
        vehicle(erased, 15, 'OK-5'),
        vehicle(c, 16, 'OK-6', { vin: 'JH4KA7561PC008269' }),
        vehicle(c, 17, 'OK-7', { vin: 'JH4KA7561PC008269' }),
        vehicle(c, 18, ' '),
        vehicle(c, 19, 'OK-8'),
      ],
    });
    const done = await answer(importId, 2);
    expect(done).toEqual({
      importId,
      batch: 2,
      created: 2,
      linked: 0,
      refused: [
        { rowNumber: 10, field: 'plate', reason: 'invalid' },
        { rowNumber: 11, field: 'vin', reason: 'invalid' },
        { rowNumber: 12, field: 'year', reason: 'out-of-range' },
        { rowNumber: 13, field: 'make', reason: 'too-long' },
        { rowNumber: 14, field: 'vin', reason: 'vin-taken' },
        { rowNumber: 15, field: 'customerId', reason: 'customer-erased' },
        { rowNumber: 17, field: 'vin', reason: 'vin-taken' },
        { rowNumber: 18, field: 'plate', reason: 'required' },
      ],
    });
    // Codes, never the values the rows held.
    expect(JSON.stringify(done)).not.toMatch(/script|IIII|1850|xxxx|JH4KA/);
    const plates = await rows(
      `SELECT registration_norm FROM vehicles.vehicles WHERE tenant_id = $1 ORDER BY 1`,
      [t.tenantId],
    );
    expect(plates.map((p) => p.registration_norm)).toEqual(['OK6', 'OK8', 'OLD1']);
  });

  it('applies a batch once: the same event again, or the same batch under another event id, creates nothing more', async () => {
    const t = tenantFixture();
    const c = randomUUID();
    const importId = randomUUID();
    const payload = { importId, batch: 1, vehicles: [vehicle(c, 1, 'ONCE-1')] };
    const eventId = randomUUID();
    publish(t.tenantId, payload, eventId);
    await answer(importId, 1);
    publish(t.tenantId, payload, eventId);
    publish(t.tenantId, payload);
    await eventually(async () => ((await answers(importId)).length === 2 ? true : undefined));
    const all = await answers(importId);
    // The redelivered event is skipped by the inbox; the other id is answered as the first time.
    expect(all).toEqual([
      { importId, batch: 1, created: 1, linked: 0, refused: [] },
      { importId, batch: 1, created: 1, linked: 0, refused: [] },
    ]);
    const [{ count }] = await rows(
      `SELECT count(*)::int AS count FROM vehicles.vehicle_customers WHERE tenant_id = $1`,
      [t.tenantId],
    );
    expect(count).toBe(1);
  });

  it('writes a batch with one statement per table, not one per vehicle', async () => {
    const t = tenantFixture();
    const importId = randomUUID();
    const many = Array.from({ length: 500 }, (_, i) =>
      vehicle(randomUUID(), i + 1, `BULK-${i + 1}`),
    );
    const statements: string[] = [];
    const runner = h.dataSource.createQueryRunner();
    await runner.startTransaction();
    const original = runner.query.bind(runner);
    runner.query = ((sql: string, params?: unknown[]) => {
      statements.push(sql);
      return original(sql, params);
    }) as typeof runner.query;
    try {
      const done = await h.app
        .get(ImportedVehicles)
        .apply(runner.manager, t.tenantId, { importId, batch: 1, vehicles: many }, null);
      expect(done.created).toBe(500);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    // The batch's own, the customers' status, plates, VINs, vehicles, links, their state, the
    // outbox, the answer, and the transaction's: whatever the batch's size.
    expect(statements.length).toBeLessThanOrEqual(11);
  });
});
