/*
 * The partner-intake floor: the durable work the system does for a partner booking, done directly
 * with pg and amqplib in one process, without Nest, TypeORM, validation, advisory locks or
 * lookups. The same rows go into the same tables of the real migrated schema (so the same indexes,
 * generated columns and triggers), in batches gathered the way the services' consumers gather
 * them (what is waiting, up to EVENTS_BATCH_SIZE, prefetch twice that, one batch at a time per
 * queue, one transaction each, then one ack per message); every event goes through an outbox row
 * and a relay that publishes it persistent on a confirm channel and marks the row once confirmed;
 * every delivery writes its inbox row. Three queues bound to exactly the types the three
 * consuming services take, on a topic exchange whose unroutable events go to a queue of their own,
 * as the system's do.
 *
 * Per booking, as the system (bench/partner-intake.ts prints both, table by table):
 * - customers ← the booking: the customer, its `customer.created` and `contact.resolved` events;
 * - vehicles ← the booking: the vehicle and its `vehicle.created`, the vehicle waiting for its
 *   customer, the visit and its `visit.recorded`, the visit waiting for its customer;
 * - vehicles ← the answer: both waits taken, the customer known, the vehicle linked (a link row,
 *   the vehicle's version) with `vehicle.linked`, the visit's customer set with `visit.updated`;
 * - vehicles ← `customer.created`: the customer known;
 * - customers ← the vehicle events: the vehicle's version, and for a linked one the customer's
 *   vehicle row and `vehicle_text`;
 * - consents ← `customer.created`: the customer; the booking, the answer and `visit.recorded`:
 *   their inbox rows only (no consents in these bookings).
 *
 * Run as a child of the benchmark (its CPU is then its own): it gets its settings in a message,
 * answers 'ready', and stops on 'stop'.
 */
import {
  connect,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
} from 'amqplib';
import { Pool, type PoolClient } from 'pg';
import type { PostgresSettings } from '@kanta/database';
import { uuidv7 } from '@kanta/platform/ids';
import { normaliseRegistration } from '@kanta/contracts/vehicles/rules';

export interface FloorSettings {
  database: PostgresSettings;
  amqpUrl: string;
  /** The floor's own names: `<exchange>`, `<exchange>.unroutable`, `<queuePrefix><service>`. */
  exchange: string;
  queuePrefix: string;
  /** EVENTS_BATCH_SIZE of the services. */
  batchSize: number;
}

/** The services that consume partner events: the floor has a queue for each's work. */
export const CONSUMING_SERVICES = ['customers', 'vehicles', 'consents'] as const;
type Service = (typeof CONSUMING_SERVICES)[number];

const BOOKING = 'partner.booking.created.v1';
const CUSTOMER_CREATED = 'customers.customer.created.v1';
const CONTACT_RESOLVED = 'customers.contact.resolved.v1';
const VEHICLE_CREATED = 'vehicles.vehicle.created.v1';
const VEHICLE_LINKED = 'vehicles.vehicle.linked.v1';
const VISIT_RECORDED = 'vehicles.visit.recorded.v1';
const VISIT_UPDATED = 'vehicles.visit.updated.v1';

/** The types each service's queue is bound to. */
const BINDINGS: Record<Service, string[]> = {
  customers: [BOOKING, VEHICLE_CREATED, VEHICLE_LINKED],
  vehicles: [BOOKING, CONTACT_RESOLVED, CUSTOMER_CREATED],
  consents: [BOOKING, CUSTOMER_CREATED, CONTACT_RESOLVED, VISIT_RECORDED],
};

/** The relay's rows per transaction and batches in flight, as the services' (OutboxRelay's). */
const RELAY_BATCH = 1000;
const RELAY_CONCURRENCY = 2;

interface Envelope<P = Record<string, unknown>> {
  eventId: string;
  type: string;
  occurredAt: string;
  tenantId: string;
  producer: string;
  correlationId: string | null;
  payload: P;
}

interface Booking {
  bookingId: string;
  stationId: string;
  scheduledAt: string;
  channel: string;
  customer: { firstName: string; lastName: string; phone: string; email: string };
  vehicle: { registration: string };
}

type Handler = (db: PoolClient, events: Envelope[]) => Promise<Envelope[]>;

const envelope = (
  producer: Service,
  type: string,
  tenantId: string,
  payload: Record<string, unknown>,
): Envelope => ({
  eventId: uuidv7(),
  type,
  occurredAt: new Date().toISOString(),
  tenantId,
  producer,
  correlationId: null,
  payload,
});

/** `$1::uuid[], $2::text[], …` for unnest. */
const arrays = (types: string[]): string => types.map((t, i) => `$${i + 1}::${t}[]`).join(', ');

/**
 * A service's customers projection (KnownCustomers.remember, libs/messaging), at a version: new
 * customers in one statement, known ones of an older version updated by a second, as the services
 * do. An answer knows a customer at 0 and its created event at 1, so a created event that comes
 * after the answer updates the row.
 */
const rememberCustomers = async (
  db: PoolClient,
  schema: 'vehicles' | 'consents',
  version: number,
  rows: {
    tenantId: string;
    customerId: string;
    stationIds: string[];
    hasEmail: boolean;
    hasPhone: boolean;
  }[],
): Promise<void> => {
  const batch = `unnest($1::uuid[], $2::uuid[], $3::jsonb[], $4::boolean[], $5::boolean[])
                   AS k(tenant_id, customer_id, stations, has_email, has_phone)`;
  const values = [
    rows.map((r) => r.tenantId),
    rows.map((r) => r.customerId),
    rows.map((r) => JSON.stringify(r.stationIds)),
    rows.map((r) => r.hasEmail),
    rows.map((r) => r.hasPhone),
  ];
  await db.query(
    `INSERT INTO ${schema}.known_customers (tenant_id, customer_id, station_ids, status, has_email,
       has_phone, version)
     SELECT k.tenant_id, k.customer_id, ARRAY(SELECT jsonb_array_elements_text(k.stations))::uuid[],
            'active', k.has_email, k.has_phone, ${version}
       FROM ${batch}
     ON CONFLICT (tenant_id, customer_id) DO NOTHING`,
    values,
  );
  await db.query(
    `UPDATE ${schema}.known_customers c SET
       station_ids = ARRAY(SELECT jsonb_array_elements_text(k.stations))::uuid[], status = 'active',
       has_email = k.has_email, has_phone = k.has_phone, version = ${version}
       FROM ${batch}
      WHERE c.tenant_id = k.tenant_id AND c.customer_id = k.customer_id AND c.version < ${version}`,
    values,
  );
};

/** Customer numbers, as a tenant's sequence hands them out (from 1). */
let customerNumber = 0;

/** customers ← a booking: its customer, and the customer's created event and the answer. */
const resolveContacts: Handler = async (db, events) => {
  const bookings = events.map((e) => ({ e, b: e.payload as unknown as Booking }));
  const customers = bookings.map(({ e, b }) => ({
    e,
    b,
    id: uuidv7(),
    number: String(++customerNumber),
  }));
  await db.query(
    `INSERT INTO customers.customers (tenant_id, id, kind, first_name, last_name, phone,
       phone_raw, phone_national, email, customer_number, station_ids, origin)
     SELECT t, i, 'person', f, l, p, p, n, m, c, ARRAY[s], 'online_booking'
       FROM unnest(${arrays(['uuid', 'uuid', 'text', 'text', 'text', 'text', 'text', 'text', 'uuid'])})
         AS k(t, i, f, l, p, n, m, c, s)`,
    [
      customers.map((c) => c.e.tenantId),
      customers.map((c) => c.id),
      customers.map((c) => c.b.customer.firstName),
      customers.map((c) => c.b.customer.lastName),
      customers.map((c) => c.b.customer.phone),
      customers.map((c) => `0${c.b.customer.phone.slice(4)}`),
      customers.map((c) => c.b.customer.email.toLowerCase()),
      customers.map((c) => c.number),
      customers.map((c) => c.b.stationId),
    ],
  );
  return [
    ...customers.map((c) =>
      envelope('customers', CUSTOMER_CREATED, c.e.tenantId, {
        customerId: c.id,
        customerNumber: c.number,
        kind: 'person',
        status: 'active',
        origin: 'online_booking',
        stationIds: [c.b.stationId],
        version: 1,
        hasEmail: true,
        hasPhone: true,
      }),
    ),
    ...customers.map((c) =>
      envelope('customers', CONTACT_RESOLVED, c.e.tenantId, {
        partnerEventId: c.e.eventId,
        partnerEventType: c.e.type,
        customerId: c.id,
        outcome: 'created',
        stationIds: [c.b.stationId],
        carriesConsents: false,
      }),
    ),
  ];
};

/**
 * vehicles ← a booking: the vehicle and the visit, each waiting for its customer, and their
 * events.
 */
const recordBookings: Handler = async (db, events) => {
  const bookings = events.map((e) => ({
    e,
    b: e.payload as unknown as Booking,
    vehicleId: uuidv7(),
    visitId: uuidv7(),
    registration: normaliseRegistration((e.payload as unknown as Booking).vehicle.registration),
  }));
  const tenants = bookings.map((x) => x.e.tenantId);
  await db.query(
    `INSERT INTO vehicles.vehicles (tenant_id, id, registration, registration_norm, last_seen_at)
     SELECT * FROM unnest(${arrays(['uuid', 'uuid', 'text', 'text', 'timestamptz'])})`,
    [
      tenants,
      bookings.map((x) => x.vehicleId),
      bookings.map((x) => x.b.vehicle.registration),
      bookings.map((x) => x.registration),
      bookings.map((x) => x.e.occurredAt),
    ],
  );
  await db.query(
    `INSERT INTO vehicles.pending_vehicle_links (tenant_id, partner_event_id, vehicle_id)
     SELECT * FROM unnest(${arrays(['uuid', 'uuid', 'uuid'])})`,
    [tenants, bookings.map((x) => x.e.eventId), bookings.map((x) => x.vehicleId)],
  );
  await db.query(
    `INSERT INTO vehicles.visits (tenant_id, id, station_id, vehicle_id, kind, channel,
       scheduled_at, external_id, source, schedule_event_at)
     SELECT t, i, s, v, 'booking', c, a, x, p, o
       FROM unnest(${arrays(['uuid', 'uuid', 'uuid', 'uuid', 'text', 'timestamptz', 'text', 'text', 'timestamptz'])})
         AS k(t, i, s, v, c, a, x, p, o)`,
    [
      tenants,
      bookings.map((x) => x.visitId),
      bookings.map((x) => x.b.stationId),
      bookings.map((x) => x.vehicleId),
      bookings.map((x) => x.b.channel),
      bookings.map((x) => x.b.scheduledAt),
      bookings.map((x) => x.b.bookingId),
      bookings.map((x) => x.e.producer),
      bookings.map((x) => x.e.occurredAt),
    ],
  );
  await db.query(
    `INSERT INTO vehicles.visit_contact_waits (tenant_id, partner_event_id, visit_id)
     SELECT * FROM unnest(${arrays(['uuid', 'uuid', 'uuid'])})`,
    [tenants, bookings.map((x) => x.e.eventId), bookings.map((x) => x.visitId)],
  );
  return [
    ...bookings.map((x) =>
      envelope('vehicles', VEHICLE_CREATED, x.e.tenantId, {
        vehicleId: x.vehicleId,
        registration: x.registration,
        vin: null,
        customers: [],
        version: 1,
      }),
    ),
    ...bookings.map((x) =>
      envelope('vehicles', VISIT_RECORDED, x.e.tenantId, {
        visitId: x.visitId,
        stationId: x.b.stationId,
        customerId: null,
        vehicleId: x.vehicleId,
        kind: 'booking',
        channel: x.b.channel,
        status: 'booked',
        scheduledAt: x.b.scheduledAt,
        version: 1,
      }),
    ),
  ];
};

/**
 * vehicles ← an answer: both waits taken, the customer known, the vehicle linked, the visit's
 * customer set, and their events.
 */
const attachCustomers: Handler = async (db, events) => {
  const answers = events.map((e) => ({
    e,
    partnerEventId: e.payload.partnerEventId as string,
    customerId: e.payload.customerId as string,
    stationIds: e.payload.stationIds as string[],
  }));
  const tenants = answers.map((a) => a.e.tenantId);
  const eventIds = answers.map((a) => a.partnerEventId);
  const customerIds = answers.map((a) => a.customerId);
  const parked = await db.query<{ partner_event_id: string; vehicle_id: string }>(
    `DELETE FROM vehicles.pending_vehicle_links p
      USING unnest(${arrays(['uuid', 'uuid'])}) AS k(t, e)
      WHERE p.tenant_id = k.t AND p.partner_event_id = k.e
     RETURNING p.partner_event_id, p.vehicle_id`,
    [tenants, eventIds],
  );
  // The floor takes each booking before its answer, as one consumer of a FIFO queue does.
  if (parked.rows.length !== answers.length)
    throw new Error('floor: an answer overtook its booking');
  const vehicleOf = new Map(parked.rows.map((r) => [r.partner_event_id, r.vehicle_id]));
  const vehicleIds = eventIds.map((e) => vehicleOf.get(e)!);
  await rememberCustomers(
    db,
    'vehicles',
    0,
    answers.map((a, i) => ({
      tenantId: tenants[i],
      customerId: customerIds[i],
      stationIds: a.stationIds,
      hasEmail: false,
      hasPhone: false,
    })),
  );
  await db.query(
    `INSERT INTO vehicles.vehicle_customers (tenant_id, vehicle_id, customer_id, role, is_default)
     SELECT t, v, c, 'owner', true FROM unnest(${arrays(['uuid', 'uuid', 'uuid'])}) AS k(t, v, c)`,
    [tenants, vehicleIds, customerIds],
  );
  const vehicles = await db.query<{
    tenant_id: string;
    id: string;
    registration_norm: string;
    version: number;
  }>(
    `UPDATE vehicles.vehicles v SET version = v.version + 1, updated_at = now()
       FROM unnest(${arrays(['uuid', 'uuid'])}) AS k(t, i)
      WHERE v.tenant_id = k.t AND v.id = k.i
     RETURNING v.tenant_id, v.id, v.registration_norm, v.version`,
    [tenants, vehicleIds],
  );
  const visits = await db.query<{
    tenant_id: string;
    id: string;
    station_id: string;
    customer_id: string;
    vehicle_id: string;
    channel: string;
    scheduled_at: Date;
    version: number;
  }>(
    `WITH answered AS (
       DELETE FROM vehicles.visit_contact_waits w
        USING unnest(${arrays(['uuid', 'uuid', 'uuid'])}) AS k(t, e, c)
        WHERE w.tenant_id = k.t AND w.partner_event_id = k.e
       RETURNING w.tenant_id, w.visit_id, k.c)
     UPDATE vehicles.visits v SET customer_id = a.c, version = v.version + 1, updated_at = now()
       FROM answered a WHERE v.tenant_id = a.tenant_id AND v.id = a.visit_id
     RETURNING v.tenant_id, v.id, v.station_id, v.customer_id, v.vehicle_id, v.channel,
               v.scheduled_at, v.version`,
    [tenants, eventIds, customerIds],
  );
  const customerOf = new Map(vehicleIds.map((v, i) => [v, customerIds[i]]));
  return [
    ...vehicles.rows.map((v) =>
      envelope('vehicles', VEHICLE_LINKED, v.tenant_id, {
        vehicleId: v.id,
        registration: v.registration_norm,
        vin: null,
        customers: [{ customerId: customerOf.get(v.id), role: 'owner', isDefault: true }],
        version: v.version,
      }),
    ),
    ...visits.rows.map((v) =>
      envelope('vehicles', VISIT_UPDATED, v.tenant_id, {
        visitId: v.id,
        stationId: v.station_id,
        customerId: v.customer_id,
        vehicleId: v.vehicle_id,
        kind: 'booking',
        channel: v.channel,
        status: 'booked',
        scheduledAt: v.scheduled_at.toISOString(),
        version: v.version,
      }),
    ),
  ];
};

/** vehicles ← a customer's created event: the customer known. */
const knowCreatedCustomers: Handler = async (db, events) => {
  await rememberCustomers(db, 'vehicles', 1, events.map(customerFacts));
  return [];
};

/** consents ← a customer's created event: the customer. */
const learnCustomers: Handler = async (db, events) => {
  await rememberCustomers(db, 'consents', 1, events.map(customerFacts));
  return [];
};

/** What a created event tells a projection of its customer. */
const customerFacts = (e: Envelope) => {
  const p = e.payload as {
    customerId: string;
    stationIds: string[];
    hasEmail?: boolean;
    hasPhone?: boolean;
  };
  return {
    tenantId: e.tenantId,
    customerId: p.customerId,
    stationIds: p.stationIds,
    hasEmail: p.hasEmail ?? false,
    hasPhone: p.hasPhone ?? false,
  };
};

/**
 * What each service writes, by the types it handles, in the order its handlers run in a batch
 * (the order the service registers them); a type bound but not handled writes its inbox row only.
 */
const HANDLERS: Record<Service, { types: string[]; handler: Handler }[]> = {
  customers: [
    // The plate projection takes both vehicle events of a batch together, as the service does.
    {
      types: [VEHICLE_CREATED, VEHICLE_LINKED],
      handler: (db, events) => vehicleSearch(db, events),
    },
    { types: [BOOKING], handler: resolveContacts },
  ],
  vehicles: [
    { types: [CUSTOMER_CREATED], handler: knowCreatedCustomers },
    { types: [BOOKING], handler: recordBookings },
    { types: [CONTACT_RESOLVED], handler: attachCustomers },
  ],
  consents: [{ types: [CUSTOMER_CREATED], handler: learnCustomers }],
};

/**
 * The customers service's plate projection: each vehicle's newest state in the batch, its
 * version row; a linked vehicle also its customer's vehicle row and `vehicle_text`.
 */
async function vehicleSearch(db: PoolClient, events: Envelope[]): Promise<Envelope[]> {
  const newest = new Map<string, Envelope>();
  for (const e of events) {
    const seen = newest.get(e.payload.vehicleId as string);
    if (!seen || (seen.payload.version as number) < (e.payload.version as number)) {
      newest.set(e.payload.vehicleId as string, e);
    }
  }
  const states = [...newest.values()];
  await db.query(
    `INSERT INTO customers.vehicle_versions (tenant_id, vehicle_id, version)
     SELECT * FROM unnest(${arrays(['uuid', 'uuid', 'int'])})
     ON CONFLICT (tenant_id, vehicle_id) DO UPDATE SET version = EXCLUDED.version`,
    [
      states.map((e) => e.tenantId),
      states.map((e) => e.payload.vehicleId),
      states.map((e) => e.payload.version),
    ],
  );
  const links = states.flatMap((e) =>
    (e.payload.customers as { customerId: string }[]).map((c) => ({
      tenantId: e.tenantId,
      vehicleId: e.payload.vehicleId as string,
      customerId: c.customerId,
      registration: e.payload.registration as string,
    })),
  );
  if (links.length === 0) return [];
  const columns = [
    links.map((l) => l.tenantId),
    links.map((l) => l.vehicleId),
    links.map((l) => l.customerId),
    links.map((l) => l.registration),
  ];
  await db.query(
    `INSERT INTO customers.customer_vehicles (tenant_id, vehicle_id, customer_id, registration)
     SELECT * FROM unnest(${arrays(['uuid', 'uuid', 'uuid', 'text'])})`,
    columns,
  );
  await db.query(
    `UPDATE customers.customers c SET vehicle_text = customers.vehicle_fold(k.r)
       FROM unnest(${arrays(['uuid', 'uuid', 'uuid', 'text'])}) AS k(t, v, i, r)
      WHERE c.tenant_id = k.t AND c.id = k.i`,
    columns,
  );
  return [];
}

/** Publishes a schema's outbox: a batch of rows, published, confirmed, marked, committed. */
class FloorRelay {
  private running = false;
  private again = false;

  constructor(
    private readonly pool: Pool,
    private readonly channel: ConfirmChannel,
    private readonly schema: Service,
    private readonly exchange: string,
  ) {}

  wake(): void {
    this.again = true;
    if (this.running) return;
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
      // A wake between the loop's last look and here.
      if (this.again) this.wake();
    });
  }

  private async run(): Promise<void> {
    let parallel = 1;
    while (this.again || parallel > 1) {
      this.again = false;
      // As OutboxRelay: a second batch in flight while a backlog fills whole batches (rows are
      // locked SKIP LOCKED), which also lets a later batch's events overtake an earlier one's.
      const counts = await Promise.all(Array.from({ length: parallel }, () => this.batch()));
      parallel = counts.some((n) => n === RELAY_BATCH) ? RELAY_CONCURRENCY : 1;
    }
  }

  private batch(): Promise<number> {
    return inTransaction(this.pool, async (db) => {
      const { rows } = await db.query<{ id: string; event_id: string; type: string; body: string }>(
        `SELECT id, event_id, type, envelope::text AS body FROM "${this.schema}".outbox
          WHERE published_at IS NULL ORDER BY id LIMIT ${RELAY_BATCH} FOR UPDATE SKIP LOCKED`,
      );
      await Promise.all(
        rows.map(
          (row) =>
            new Promise<void>((resolve, reject) =>
              this.channel.publish(
                this.exchange,
                row.type,
                Buffer.from(row.body),
                { persistent: true, messageId: row.event_id, contentType: 'application/json' },
                (err) => (err ? reject(new Error(String(err))) : resolve()),
              ),
            ),
        ),
      );
      if (rows.length > 0) {
        await db.query(
          `UPDATE "${this.schema}".outbox SET published_at = now(), attempts = attempts + 1
            WHERE id = ANY($1::bigint[])`,
          [rows.map((r) => r.id)],
        );
      }
      return rows.length;
    });
  }
}

/** Runs `work` in a transaction on a connection of the pool. */
async function inTransaction<T>(pool: Pool, work: (db: PoolClient) => Promise<T>): Promise<T> {
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    const result = await work(db);
    await db.query('COMMIT');
    return result;
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  } finally {
    db.release();
  }
}

/**
 * One service's queue, consumed as EventConsumer does in batch mode: what has arrived by the next
 * turn of the event loop, up to `batchSize`, in one transaction (inbox rows, the handlers, the
 * outbox rows), then one ack per message; the next batch gathers meanwhile.
 */
class FloorConsumer {
  private waiting: ConsumeMessage[] = [];
  private running = false;
  private scheduled = false;

  constructor(
    private readonly pool: Pool,
    private readonly channel: Channel,
    private readonly service: Service,
    private readonly batchSize: number,
    private readonly relay: FloorRelay | undefined,
    private readonly inboxHasTenant: boolean,
  ) {}

  async start(queue: string): Promise<void> {
    await this.channel.prefetch(2 * this.batchSize);
    await this.channel.consume(queue, (message) => {
      if (!message) return;
      this.waiting.push(message);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.waiting.splice(0, this.batchSize);
      this.running = true;
      void this.handle(batch)
        .catch((error: unknown) => {
          console.error(`floor ${this.service}:`, error);
          process.exit(1);
        })
        .finally(() => {
          this.running = false;
          this.schedule();
        });
    });
  }

  private async handle(messages: ConsumeMessage[]): Promise<void> {
    const events = messages.map((m) => JSON.parse(m.content.toString()) as Envelope);
    const published = await inTransaction(this.pool, async (db) => {
      const ids = [events.map((e) => e.eventId), events.map((e) => e.type)];
      await db.query(
        this.inboxHasTenant
          ? `INSERT INTO "${this.service}".inbox (event_id, event_type, consumer, tenant_id)
             SELECT e, y, $3, t FROM unnest($1::uuid[], $2::text[], $4::uuid[]) AS k(e, y, t)
             ON CONFLICT DO NOTHING`
          : `INSERT INTO "${this.service}".inbox (event_id, event_type, consumer)
             SELECT e, y, $3 FROM unnest($1::uuid[], $2::text[]) AS k(e, y)
             ON CONFLICT DO NOTHING`,
        this.inboxHasTenant
          ? [...ids, this.service, events.map((e) => e.tenantId)]
          : [...ids, this.service],
      );
      const written: Envelope[] = [];
      for (const { types, handler } of HANDLERS[this.service]) {
        const mine = events.filter((e) => types.includes(e.type));
        if (mine.length > 0) written.push(...(await handler(db, mine)));
      }
      if (written.length > 0) {
        await db.query(
          `INSERT INTO "${this.service}".outbox (event_id, type, tenant_id, envelope)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::jsonb[])`,
          [
            written.map((e) => e.eventId),
            written.map((e) => e.type),
            written.map((e) => e.tenantId),
            written.map((e) => JSON.stringify(e)),
          ],
        );
      }
      return written;
    });
    for (const m of messages) this.channel.ack(m);
    if (published.length > 0) this.relay!.wake();
  }
}

/** Declares the floor's exchange and queues and starts its consumers and relays. */
export async function startFloor(settings: FloorSettings): Promise<() => Promise<void>> {
  const pool = new Pool({
    ...settings.database,
    max: 8,
    application_name: 'kanta-bench-floor',
  });
  const connection: ChannelModel = await connect(settings.amqpUrl);
  const setup = await connection.createChannel();
  const unroutable = `${settings.exchange}.unroutable`;
  await setup.assertExchange(unroutable, 'fanout', { durable: true });
  await setup.assertQueue(unroutable, { durable: true });
  await setup.bindQueue(unroutable, unroutable, '');
  await setup.assertExchange(settings.exchange, 'topic', {
    durable: true,
    alternateExchange: unroutable,
  });
  const relays = new Map<Service, FloorRelay>();
  for (const service of ['customers', 'vehicles'] as const) {
    relays.set(
      service,
      new FloorRelay(pool, await connection.createConfirmChannel(), service, settings.exchange),
    );
  }
  for (const service of CONSUMING_SERVICES) {
    const queue = `${settings.queuePrefix}${service}`;
    await setup.assertQueue(queue, { durable: true });
    for (const type of BINDINGS[service]) await setup.bindQueue(queue, settings.exchange, type);
    const { rows } = await pool.query(
      `SELECT 1 FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'inbox' AND column_name = 'tenant_id'`,
      [service],
    );
    await new FloorConsumer(
      pool,
      await connection.createChannel(),
      service,
      settings.batchSize,
      relays.get(service),
      rows.length > 0,
    ).start(queue);
  }
  return async () => {
    for (const service of CONSUMING_SERVICES) {
      await setup.deleteQueue(`${settings.queuePrefix}${service}`).catch(() => undefined);
    }
    await setup.deleteQueue(unroutable).catch(() => undefined);
    await setup.deleteExchange(settings.exchange).catch(() => undefined);
    await setup.deleteExchange(unroutable).catch(() => undefined);
    await connection.close();
    await pool.end();
  };
}

/** As a child process: settings in, 'ready' out, stopped by 'stop'. */
if (require.main === module) {
  process.once('message', (settings: FloorSettings) => {
    void startFloor(settings).then((stop) => {
      process.once('message', () => void stop().then(() => process.exit(0)));
      process.send!('ready');
    });
  });
}
