/*
 * What the partner benchmarks share: the bookings they send, and the durable work a run did, read
 * from PostgreSQL's own counters (rows inserted, updated and deleted per table; inbox rows by
 * consumer and type; outbox rows by type and their bytes), so a run of the system and a run of
 * the floor can be printed side by side and compared row for row.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Channel, type ConfirmChannel } from 'amqplib';
import { Client } from 'pg';
import { readConfig, readInfrastructureConfig } from '@kanta/platform';
import { cpuSeconds, pidsNamed, type BenchSystem, type ScratchDatabase } from '../support';
import { CONSUMING_SERVICES } from './floor';

/** The schemas the partner path writes to. */
export const PARTNER_SCHEMAS = ['gateway', 'customers', 'vehicles', 'consents'];

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Booking `n`'s payload: the customer (phone and e-mail) and the vehicle numbered `contact`,
 * by default its own (a new customer and a new vehicle).
 */
export function bookingPayload(stationId: string, n: number, contact = n): Record<string, unknown> {
  const digits = String(contact).padStart(7, '0');
  return {
    bookingId: `BENCH-${n}`,
    stationId,
    scheduledAt: new Date(Date.now() + 86_400_000 + n * 60_000).toISOString(),
    channel: 'online_booking',
    customer: {
      firstName: 'Bench',
      lastName: `Booker${contact}`,
      phone: `+35840${digits}`,
      email: `booker${contact}@example.test`,
    },
    vehicle: { registration: `BEN-${digits}` },
  };
}

export const BOOKING_CREATED = 'partner.booking.created.v1';

/** Which customer and vehicle booking `n` names (see bookingPayload). */
export type ContactOf = (n: number) => number;

/**
 * `count` bookings numbered from `first` as the envelopes a partner publishes to the events
 * exchange (the broker path).
 */
export function bookingEnvelopes(
  tenantId: string,
  stationId: string,
  first: number,
  count: number,
  contactOf: ContactOf = (n) => n,
): Buffer[] {
  return Array.from({ length: count }, (_, i) =>
    Buffer.from(
      JSON.stringify({
        eventId: randomUUID(),
        type: BOOKING_CREATED,
        occurredAt: new Date().toISOString(),
        tenantId,
        producer: 'partner:bench',
        correlationId: null,
        payload: bookingPayload(stationId, first + i, contactOf(first + i)),
      }),
    ),
  );
}

/** Publishes persistent messages on a confirm channel and waits for every confirm. */
export async function publishConfirmed(
  channel: Channel & { waitForConfirms(): Promise<void> },
  exchange: string,
  routingKey: (body: Buffer) => string,
  bodies: Buffer[],
): Promise<void> {
  for (const body of bodies) {
    if (
      !channel.publish(exchange, routingKey(body), body, {
        persistent: true,
        contentType: 'application/json',
      })
    ) {
      await new Promise((resolve) => channel.once('drain', resolve));
    }
  }
  await channel.waitForConfirms();
}

/** Rows inserted, updated and deleted in one table (PostgreSQL's n_tup_ins / upd / del). */
export interface RowCounts {
  ins: number;
  upd: number;
  del: number;
}

export type TableCounts = Map<string, RowCounts>;

/**
 * A backend reports its row counts at most once a second, and one that goes idle within that
 * second only after PGSTAT_IDLE_INTERVAL (10 s): counts are read after that long without work.
 */
const STATS_IDLE_FLUSH_MS = 10_500;

/**
 * Each table's counters in the schemas, once every backend has reported (see
 * STATS_IDLE_FLUSH_MS): read until two reads a little over a second apart agree.
 */
export async function tableCounts(client: Client, schemas = PARTNER_SCHEMAS): Promise<TableCounts> {
  await sleep(STATS_IDLE_FLUSH_MS);
  let last = '';
  for (;;) {
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ name: string; ins: string; upd: string; del: string }>(
      `SELECT schemaname || '.' || relname AS name, n_tup_ins AS ins, n_tup_upd AS upd,
              n_tup_del AS del
         FROM pg_stat_user_tables WHERE schemaname = ANY($1) ORDER BY 1`,
      [schemas],
    );
    const text = JSON.stringify(rows);
    if (text === last) {
      return new Map(
        rows.map((r) => [r.name, { ins: Number(r.ins), upd: Number(r.upd), del: Number(r.del) }]),
      );
    }
    last = text;
    await sleep(1200);
  }
}

/** What happened between two readings, tables with no change left out. */
export function countsSince(before: TableCounts, after: TableCounts): TableCounts {
  const delta: TableCounts = new Map();
  for (const [name, a] of after) {
    const b = before.get(name) ?? { ins: 0, upd: 0, del: 0 };
    const d = { ins: a.ins - b.ins, upd: a.upd - b.upd, del: a.del - b.del };
    if (d.ins || d.upd || d.del) delta.set(name, d);
  }
  return delta;
}

/**
 * The messaging a run did, from the rows that record it: each inbox row is one delivery handled
 * and acked (by consumer schema and event type); each outbox row one confirmed persistent
 * publish (by type, with the bytes of its envelope). Rows since `since` (a run's start).
 */
export interface MessagingCounts {
  deliveries: Map<string, number>;
  publishes: Map<string, { count: number; bytes: number }>;
  /**
   * Transactions by the consumer and the relay of each schema, with the rows each handled: every
   * row a transaction writes has its start time (`now()`), so one distinct time is one batch.
   */
  batches: Map<string, { batches: number; rows: number }>;
}

export async function messagingCounts(
  client: Client,
  since: Date,
  schemas = PARTNER_SCHEMAS.filter((s) => s !== 'gateway'),
): Promise<MessagingCounts> {
  const deliveries = new Map<string, number>();
  const publishes = new Map<string, { count: number; bytes: number }>();
  const batches = new Map<string, { batches: number; rows: number }>();
  for (const schema of schemas) {
    const { rows } = await client.query<{ b: string; n: string; rb: string; rn: string }>(
      `SELECT (SELECT count(DISTINCT processed_at) FROM "${schema}".inbox WHERE processed_at >= $1) AS b,
              (SELECT count(*) FROM "${schema}".inbox WHERE processed_at >= $1) AS n,
              (SELECT count(DISTINCT published_at) FROM "${schema}".outbox WHERE created_at >= $1) AS rb,
              (SELECT count(published_at) FROM "${schema}".outbox WHERE created_at >= $1) AS rn`,
      [since],
    );
    if (Number(rows[0].n) > 0) {
      batches.set(`${schema} consumer`, { batches: Number(rows[0].b), rows: Number(rows[0].n) });
    }
    if (Number(rows[0].rn) > 0) {
      batches.set(`${schema} relay`, { batches: Number(rows[0].rb), rows: Number(rows[0].rn) });
    }
    const inbox = await client.query<{ type: string; n: string }>(
      `SELECT event_type AS type, count(*) AS n FROM "${schema}".inbox
        WHERE processed_at >= $1 GROUP BY 1`,
      [since],
    );
    for (const r of inbox.rows) deliveries.set(`${schema} ← ${r.type}`, Number(r.n));
    const outbox = await client.query<{ type: string; n: string; bytes: string }>(
      `SELECT type, count(*) AS n, sum(length(envelope::text)) AS bytes FROM "${schema}".outbox
        WHERE created_at >= $1 AND published_at IS NOT NULL GROUP BY 1`,
      [since],
    );
    for (const r of outbox.rows) {
      publishes.set(`${schema} → ${r.type}`, { count: Number(r.n), bytes: Number(r.bytes) });
    }
  }
  return { deliveries, publishes, batches };
}

/**
 * Whether every outbox of the schemas is published, every queue named is empty and no backend of
 * the database but this one is in a statement or a transaction (a batch delivered and not yet
 * committed keeps its messages out of the queue's count, but not its backend out of a transaction).
 */
export async function drained(
  client: Client,
  channel: Channel,
  queues: string[],
  schemas = PARTNER_SCHEMAS,
): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
        AND pid <> pg_backend_pid() AND state <> 'idle' LIMIT 1`,
  );
  if (rows.length > 0) return false;
  for (const schema of schemas) {
    const { rows } = await client.query(
      `SELECT 1 FROM "${schema}".outbox WHERE published_at IS NULL LIMIT 1`,
    );
    if (rows.length > 0) return false;
  }
  for (const queue of queues) {
    if ((await channel.checkQueue(queue)).messageCount > 0) return false;
  }
  return true;
}

/** Polls until `drained` holds twice in a row, calling `onPoll` at each poll. */
export async function waitDrained(
  client: Client,
  channel: Channel,
  queues: string[],
  onPoll: () => Promise<void> = async () => undefined,
): Promise<void> {
  let times = 0;
  while (times < 2) {
    await sleep(times === 0 ? 100 : 300);
    await onPoll();
    times = (await drained(client, channel, queues)) ? times + 1 : 0;
  }
}

/**
 * Waits until a run's work is done (see `drained`) and the table counters have all come in;
 * returns those counters.
 */
export async function settle(
  client: Client,
  channel: Channel,
  queues: string[],
): Promise<TableCounts> {
  for (;;) {
    await waitDrained(client, channel, queues);
    const counts = await tableCounts(client);
    if (await drained(client, channel, queues)) return counts;
  }
}

/**
 * When the last durable step of a run happened, as PostgreSQL stamped it: the last visit's change
 * (the one that gave it its customer) and the last inbox row or publish of any service. Both are
 * transaction start times, so a run's end is read alike for the system and the floor.
 */
export async function lastSteps(
  client: Client,
  tenantId: string,
): Promise<{ visit: Date; any: Date }> {
  const { rows } = await client.query<{ visit: Date; any: Date }>(
    `SELECT (SELECT max(updated_at) FROM vehicles.visits WHERE tenant_id = $1) AS visit,
            greatest(${PARTNER_SCHEMAS.filter((s) => s !== 'gateway')
              .flatMap((s) => [
                `(SELECT max(processed_at) FROM "${s}".inbox)`,
                `(SELECT max(published_at) FROM "${s}".outbox)`,
              ])
              .join(', ')}) AS any`,
    [tenantId],
  );
  return rows[0];
}

/** Rows of a side-by-side table: label, system, floor; `=` where they agree. */
export function printSideBySide(
  title: string,
  rows: { label: string; system: string; floor: string }[],
): void {
  console.log(`\n  ${title}`);
  const width = Math.max(...rows.map((r) => r.label.length), 10);
  console.log(`    ${''.padEnd(width)}  ${'system'.padStart(16)}  ${'floor'.padStart(16)}`);
  for (const r of rows) {
    console.log(
      `    ${r.label.padEnd(width)}  ${r.system.padStart(16)}  ${r.floor.padStart(16)}${r.system === r.floor ? '' : '  ≠'}`,
    );
  }
}

/**
 * CPU seconds used during a run by each process named, by each PostgreSQL backend of the database
 * (grouped as `pg:<application_name>`) and by RabbitMQ (beam.smp: shared with anyone else using
 * the broker), sampled as the run goes: a pool closes a connection idle for 10 s, and its
 * backend's time would be lost with it if read only at the end. A backend first seen after the
 * start counts from its birth.
 */
export class CpuWatch {
  private readonly first = new Map<string, number>();
  private readonly last = new Map<string, number>();
  private started = false;

  constructor(
    private readonly client: Client,
    private readonly processes: Record<string, number | undefined>,
  ) {}

  async sample(): Promise<void> {
    const seen: [string, number][] = Object.entries(this.processes).flatMap(([name, pid]) =>
      pid === undefined ? [] : [[name, pid] as [string, number]],
    );
    const { rows } = await this.client.query<{ pid: number; name: string }>(
      `SELECT pid, 'pg:' || application_name AS name FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    seen.push(...rows.map((r): [string, number] => [r.name, r.pid]));
    seen.push(...pidsNamed('beam.smp').map((pid): [string, number] => ['rabbitmq (shared)', pid]));
    for (const [name, pid] of seen) {
      const key = `${name}\t${pid}`;
      const seconds = cpuSeconds(pid);
      if (seconds === 0) continue;
      if (!this.first.has(key)) this.first.set(key, this.started ? 0 : seconds);
      this.last.set(key, seconds);
    }
    this.started = true;
  }

  /** Seconds used since the first sample, by name. */
  used(): Map<string, number> {
    const used = new Map<string, number>();
    for (const [key, seconds] of this.last) {
      const name = key.split('\t')[0];
      used.set(name, (used.get(name) ?? 0) + seconds - this.first.get(key)!);
    }
    return used;
  }
}

/** Where a run goes and how it is read: the system's names or the floor's. */
export interface Target {
  db: ScratchDatabase;
  exchange: string;
  /** The queues whose emptiness (with every outbox published) means the run is done. */
  queues: string[];
  unroutableQueue: string;
  tenantId: string;
  stationId: string;
  /** The processes whose CPU is the run's, by name. */
  processes: Record<string, number | undefined>;
}

export interface Run {
  /** Seconds from the first publish to the last visit's customer, and to the last step. */
  toCustomers: number;
  toLastStep: number;
  work: TableCounts;
  messaging: MessagingCounts;
  unroutable: number;
  cpu: Map<string, number>;
}

/** A run on the system: its names, its tenant, and by default its processes by service name. */
export function systemTarget(
  db: ScratchDatabase,
  bench: BenchSystem,
  processes: Record<string, number | undefined> = Object.fromEntries(
    Object.entries(bench.system.processes).map(([name, child]) => [name, child.pid]),
  ),
): Target {
  return {
    db,
    exchange: bench.eventsExchange,
    queues: CONSUMING_SERVICES.map((s) => `${bench.queuePrefix}${s}.events`),
    unroutableQueue: `${bench.eventsExchange}.unroutable`,
    tenantId: bench.tenantId,
    stationId: bench.stationIds[0],
    processes,
  };
}

/**
 * A broker connection for a benchmark's duration: a confirm channel to publish bookings on, and
 * one to check queues with.
 */
export async function withBroker<T>(
  work: (channel: ConfirmChannel, check: Channel) => Promise<T>,
): Promise<T> {
  const connection = await connect(readConfig(readInfrastructureConfig).amqpUrl);
  try {
    return await work(await connection.createConfirmChannel(), await connection.createChannel());
  } finally {
    await connection.close();
  }
}

/** Bookings before a timed run, then ANALYZE (see ScratchDatabase.analyze). */
export const WARMUP = 300;

/**
 * The warm-up, then `events` bookings published at once, read alike for the system and the
 * floor: the end from PostgreSQL's own timestamps, the work from its counters (warm-up included:
 * its bookings do the same work).
 */
export async function measure(
  target: Target,
  channel: ConfirmChannel,
  check: Channel,
  events: number,
  contactOf?: ContactOf,
): Promise<Run> {
  const client = new Client(target.db.settings);
  await client.connect();
  try {
    const { tenantId, stationId } = target;
    const withCustomer = async (): Promise<number> =>
      Number(
        (
          await client.query<{ n: string }>(
            'SELECT count(*) AS n FROM vehicles.visits WHERE tenant_id = $1 AND customer_id IS NOT NULL',
            [tenantId],
          )
        ).rows[0].n,
      );
    const publish = (bodies: Buffer[]) =>
      publishConfirmed(channel, target.exchange, () => BOOKING_CREATED, bodies);
    const unroutable = async () => (await check.checkQueue(target.unroutableQueue)).messageCount;

    // Counted from before the warm-up, whose bookings do the same work as the timed ones: no
    // wait for the counters between the two, which would leave the pools' connections idle long
    // enough to be closed, and the timed run to start on cold backends.
    const before = await tableCounts(client);
    const since = new Date();
    await publish(bookingEnvelopes(tenantId, stationId, 0, WARMUP, contactOf));
    while ((await withCustomer()) < WARMUP) await sleep(100);
    await target.db.analyze();
    await waitDrained(client, check, target.queues);

    const cpu = new CpuWatch(client, target.processes);
    await cpu.sample();
    const messages = bookingEnvelopes(tenantId, stationId, WARMUP, events, contactOf);
    const started = new Date();
    await publish(messages);
    while ((await withCustomer()) < WARMUP + events) {
      await sleep(100);
      await cpu.sample();
    }
    await waitDrained(client, check, target.queues, () => cpu.sample());
    const after = await settle(client, check, target.queues);
    const last = await lastSteps(client, tenantId);
    return {
      toCustomers: (last.visit.getTime() - started.getTime()) / 1000,
      toLastStep: (last.any.getTime() - started.getTime()) / 1000,
      work: countsSince(before, after),
      messaging: await messagingCounts(client, since),
      unroutable: await unroutable(),
      cpu: cpu.used(),
    };
  } finally {
    await client.end();
  }
}
