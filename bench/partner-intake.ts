/*
 * Partner bookings ingested end to end: N `partner.booking.created.v1` events (each a new
 * customer with phone and e-mail, and a new vehicle) published to the broker at once, timed
 * until every visit is recorded with its customer attached — through the customers service's
 * resolution (customer created, `customers.contact.resolved.v1` through its outbox) and the
 * vehicles service's intake (vehicle created and linked, visit upserted), each with its inbox.
 * The raw floor: the same messages published to a plain queue and consumed with amqplib, one
 * ack each, at the consumers' prefetch. Target: end to end >= 30 % of raw. A warm-up of 300
 * bookings and an ANALYZE come first, as in the create benchmark.
 *
 *   npm run build && node dist/bench/partner-intake.js   (BENCH_PARTNER_EVENTS, default 3000)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type ConfirmChannel } from 'amqplib';
import { Client } from 'pg';
import { readConfig, readInfrastructureConfig } from '@kanta/platform';
import { printComparison, scratchDatabase, startBenchSystem, runBench } from './support';

const EVENTS = Number(process.env.BENCH_PARTNER_EVENTS ?? 3000);

/** Bookings before the timed run, then ANALYZE (see ScratchDatabase.analyze). */
const WARMUP = 300;

function bookings(
  tenantId: string,
  stationId: string,
  first: number,
  count: number,
): { key: string; body: Buffer }[] {
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    const digits = String(n).padStart(7, '0');
    const envelope = {
      eventId: randomUUID(),
      type: 'partner.booking.created.v1',
      occurredAt: new Date().toISOString(),
      tenantId,
      producer: 'partner:bench',
      correlationId: null,
      payload: {
        bookingId: `BENCH-${n}`,
        stationId,
        scheduledAt: new Date(Date.now() + 86_400_000 + n * 60_000).toISOString(),
        channel: 'online_booking',
        customer: {
          firstName: 'Bench',
          lastName: `Booker${n}`,
          phone: `+35840${digits}`,
          email: `booker${n}@example.test`,
        },
        vehicle: { registration: `BEN-${digits}` },
      },
    };
    return { key: envelope.type, body: Buffer.from(JSON.stringify(envelope)) };
  });
}

async function publishAll(
  channel: ConfirmChannel,
  exchange: string,
  messages: { key: string; body: Buffer }[],
): Promise<void> {
  for (const m of messages) {
    if (
      !channel.publish(exchange, m.key, m.body, {
        persistent: true,
        contentType: 'application/json',
      })
    ) {
      await new Promise((resolve) => channel.once('drain', resolve));
    }
  }
  await channel.waitForConfirms();
}

/** CPU seconds a process has used so far (user + system), from /proc; 0 where unreadable. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU used by each service and by the database's backends of this run: what the intake costs,
 * which wall time on a shared machine does not show.
 */
async function cpuSnapshot(
  bench: Awaited<ReturnType<typeof startBenchSystem>>,
  client: Client,
  database: string,
): Promise<Record<string, number>> {
  const backends = await client.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return {
    ...Object.fromEntries(
      Object.entries(bench.system.processes).map(([name, child]) => [name, cpuSeconds(child.pid)]),
    ),
    postgres: backends.rows.reduce((sum, { pid }) => sum + cpuSeconds(pid), 0),
  };
}

async function main(): Promise<void> {
  const { amqpUrl, eventsBatchSize } = readConfig(readInfrastructureConfig);
  // The services' consumers prefetch 2 x EVENTS_BATCH_SIZE: the raw consumer gets the same.
  const prefetch = 2 * eventsBatchSize;
  const db = await scratchDatabase('partner');
  const bench = await startBenchSystem(db.env);
  const client = new Client(db.settings);
  await client.connect();
  const connection = await connect(amqpUrl);
  const channel = await connection.createConfirmChannel();
  const rawQueue = `bench.partner.raw.${randomBytes(3).toString('hex')}`;
  try {
    const visible = async (): Promise<number> => {
      const rows = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM vehicles.visits WHERE tenant_id = $1 AND customer_id IS NOT NULL`,
        [bench.tenantId],
      );
      return Number(rows.rows[0].n);
    };
    const [tenantId, stationId] = [bench.tenantId, bench.stationIds[0]];
    await publishAll(channel, bench.eventsExchange, bookings(tenantId, stationId, 0, WARMUP));
    while ((await visible()) < WARMUP) await new Promise((resolve) => setTimeout(resolve, 100));
    await db.analyze();

    const messages = bookings(tenantId, stationId, WARMUP, EVENTS);
    console.log(`Publishing ${EVENTS} partner bookings to ${bench.eventsExchange}…`);
    const cpuBefore = await cpuSnapshot(bench, client, db.settings.database);
    const started = process.hrtime.bigint();
    await publishAll(channel, bench.eventsExchange, messages);
    let done = 0;
    while (done < EVENTS) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      done = (await visible()) - WARMUP;
      if (process.env.BENCH_TRACE) {
        const t = await client.query(
          `SELECT (SELECT count(*) FROM customers.inbox) AS c_inbox,
                  (SELECT count(*) FROM customers.customers) AS customers,
                  (SELECT count(*) FROM customers.outbox WHERE published_at IS NULL) AS c_unpub,
                  (SELECT count(*) FROM vehicles.inbox) AS v_inbox,
                  (SELECT count(*) FROM vehicles.visits) AS visits,
                  (SELECT count(*) FROM vehicles.contact_resolutions) AS resolutions,
                  (SELECT count(*) FROM vehicles.outbox WHERE published_at IS NULL) AS v_unpub`,
        );
        console.log(
          Number(process.hrtime.bigint() - started) / 1e9,
          JSON.stringify(t.rows[0]),
          done,
        );
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuAfter = await cpuSnapshot(bench, client, db.settings.database);
    const cpu = Object.entries(cpuAfter)
      .map(([name, after]) => `${name} ${(after - (cpuBefore[name] ?? 0)).toFixed(1)}`)
      .join(', ');
    const counts = (
      await client.query<{ customers: string; vehicles: string; links: string }>(
        `SELECT (SELECT count(*) FROM customers.customers WHERE tenant_id = $1) AS customers,
                (SELECT count(*) FROM vehicles.vehicles WHERE tenant_id = $1) AS vehicles,
                (SELECT count(*) FROM vehicles.vehicle_customers WHERE tenant_id = $1) AS links`,
        [bench.tenantId],
      )
    ).rows[0];

    // Raw floor: the same bodies through a plain queue, consumed and acked one by one.
    await channel.assertQueue(rawQueue, { durable: true });
    const consumer = await connection.createChannel();
    await consumer.prefetch(prefetch);
    const rawStarted = process.hrtime.bigint();
    const consumed = new Promise<void>((resolve) => {
      let acked = 0;
      void consumer.consume(rawQueue, (message) => {
        if (!message) return;
        consumer.ack(message);
        if (++acked === EVENTS) resolve();
      });
    });
    await publishAll(
      channel,
      '',
      messages.map((m) => ({ key: rawQueue, body: m.body })),
    );
    await consumed;
    const rawSeconds = Number(process.hrtime.bigint() - rawStarted) / 1e9;
    await consumer.close();

    const rate = EVENTS / seconds;
    const rawRate = EVENTS / rawSeconds;
    printComparison(
      `Partner bookings end to end (${EVENTS} events, each a new customer and vehicle)`,
      [
        {
          label: 'end to end (published → visit with customer)',
          value: `${rate.toFixed(0)} events/s (${seconds.toFixed(1)} s)`,
        },
        { label: 'CPU seconds used meanwhile', value: cpu },
        {
          label: `customers / vehicles / links made (${WARMUP} in the warm-up)`,
          value: `${counts.customers} / ${counts.vehicles} / ${counts.links}`,
        },
        {
          label: `raw amqplib consume+ack (prefetch ${prefetch})`,
          value: `${rawRate.toFixed(0)} events/s (${rawSeconds.toFixed(2)} s)`,
        },
      ],
      {
        label: 'end to end / raw',
        value: rate / rawRate,
        target: '>= 0.30',
        met: rate / rawRate >= 0.3,
      },
    );
  } finally {
    await channel.deleteQueue(rawQueue).catch(() => undefined);
    await connection.close();
    await client.end();
    await bench.system.stop();
    await db.drop();
  }
}

runBench(main);
