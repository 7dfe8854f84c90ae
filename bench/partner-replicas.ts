/*
 * Partner intake with two replicas of each consuming service (customers, vehicles, consents)
 * against one: the same burst of N bookings on the broker path, each run on a database of its
 * own after the same warm-up, where every fourth booking names the same customer and vehicle as
 * the one before it (a returning customer, whose two bookings the broker hands to different
 * replicas). Checked after each run: no duplicate (one customer and one vehicle per contact, one
 * visit per booking, each with its contact's customer, one link per vehicle); deadlocks
 * (pg_stat_database) and batches that fell back to one by one (the services' warnings).
 * Target (issue #13): no duplicate, no deadlock storm, two replicas' rate within 10 % of one's.
 *
 *   npm run build && node dist/bench/partner-replicas.js   (BENCH_PARTNER_EVENTS, default 3000)
 */
import type { Channel, ConfirmChannel } from 'amqplib';
import { Client } from 'pg';
import { startLocalSystem, type LocalSystem } from '@kanta/local';
import { scratchDatabase, startBenchSystem, runBench, traceLine } from './support';
import { CONSUMING_SERVICES } from './partner/floor';
import { WARMUP, measure, systemTarget, withBroker, type Run } from './partner/intake-work';

const EVENTS = Number(process.env.BENCH_PARTNER_EVENTS ?? 3000);

/** Every fourth booking is the previous one's customer again, with the same vehicle. */
const contactOf = (n: number): number => (n % 4 === 3 ? n - 1 : n);

/** The warning a consumer logs when a batch's transaction failed (a deadlock, say). */
const FELL_BACK = 'event batch failed; handling its events one by one';

interface ReplicaRun {
  replicas: number;
  run: Run;
  problems: string[];
  deadlocks: number;
  fallbacks: Record<string, number>;
}

/** What must hold after a run, as a list of what did not. */
async function duplicates(client: Client, tenantId: string): Promise<string[]> {
  const bookings = WARMUP + EVENTS;
  const contacts = new Set(Array.from({ length: bookings }, (_, n) => contactOf(n))).size;
  const problems: string[] = [];
  const count = async (sql: string): Promise<number> =>
    Number((await client.query<{ n: string }>(sql, [tenantId])).rows[0].n);
  const expect = async (what: string, sql: string, wanted: number): Promise<void> => {
    const got = await count(sql);
    if (got !== wanted) problems.push(`${what}: ${got}, not ${wanted}`);
  };
  await expect(
    'customers',
    'SELECT count(*) AS n FROM customers.customers WHERE tenant_id = $1',
    contacts,
  );
  await expect(
    'phones held by more than one customer',
    `SELECT count(*) AS n FROM (SELECT phone FROM customers.customers WHERE tenant_id = $1
       GROUP BY phone HAVING count(*) > 1) d`,
    0,
  );
  await expect(
    'vehicles',
    'SELECT count(*) AS n FROM vehicles.vehicles WHERE tenant_id = $1',
    contacts,
  );
  await expect(
    'vehicle links',
    'SELECT count(*) AS n FROM vehicles.vehicle_customers WHERE tenant_id = $1',
    contacts,
  );
  await expect(
    'visits',
    'SELECT count(*) AS n FROM vehicles.visits WHERE tenant_id = $1',
    bookings,
  );
  await expect(
    "visits whose customer is not their booking's contact",
    `SELECT count(*) AS n FROM vehicles.visits v
       LEFT JOIN customers.customers c ON c.tenant_id = v.tenant_id AND c.id = v.customer_id
      WHERE v.tenant_id = $1
        AND c.phone IS DISTINCT FROM '+35840' || lpad(
              (CASE WHEN substr(v.external_id, 7)::int % 4 = 3 THEN substr(v.external_id, 7)::int - 1
                    ELSE substr(v.external_id, 7)::int END)::text, 7, '0')`,
    0,
  );
  await expect(
    'customers the vehicles service knows',
    'SELECT count(*) AS n FROM vehicles.known_customers WHERE tenant_id = $1',
    contacts,
  );
  await expect(
    'customers the consents service knows',
    'SELECT count(*) AS n FROM consents.known_customers WHERE tenant_id = $1',
    contacts,
  );
  return problems;
}

async function runWith(
  replicas: number,
  channel: ConfirmChannel,
  check: Channel,
): Promise<ReplicaRun> {
  const db = await scratchDatabase(`replicas${replicas}`);
  const fallbacks: Record<string, number> = {};
  const onLine = (service: string, line: string): void => {
    if (line.includes(FELL_BACK)) fallbacks[service] = (fallbacks[service] ?? 0) + 1;
    traceLine?.(service, line);
  };
  const bench = await startBenchSystem(db.env, 1, { onLine });
  const more: LocalSystem[] = [];
  try {
    for (let i = 2; i <= replicas; i++) {
      more.push(
        await startLocalSystem({
          freePorts: true,
          services: [...CONSUMING_SERVICES],
          env: bench.env,
          onLine: (service, line) => onLine(`${service}#${i}`, line),
        }),
      );
    }
    const processes: Record<string, number | undefined> = {};
    for (const [i, system] of [bench.system, ...more].entries()) {
      for (const [name, child] of Object.entries(system.processes)) {
        processes[i === 0 ? name : `${name}#${i + 1}`] = child.pid;
      }
    }
    const run = await measure(
      systemTarget(db, bench, processes),
      channel,
      check,
      EVENTS,
      contactOf,
    );
    const client = new Client(db.settings);
    await client.connect();
    try {
      const problems = await duplicates(client, bench.tenantId);
      // Read after `measure`'s wait for the counters: a backend reports its deadlocks lazily too.
      const { rows } = await client.query<{ deadlocks: string }>(
        'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()',
      );
      return { replicas, run, problems, deadlocks: Number(rows[0].deadlocks), fallbacks };
    } finally {
      await client.end();
    }
  } finally {
    for (const system of more) await system.stop();
    await bench.system.stop();
    await db.drop();
  }
}

function report(runs: ReplicaRun[]): void {
  console.log(
    `\n== Partner intake, one and two replicas of each consuming service (${EVENTS} bookings at once, one in four a returning customer)`,
  );
  for (const r of runs) {
    const cpu = [...r.run.cpu]
      .filter(([, s]) => s >= 0.05)
      .map(([name, s]) => `${name} ${s.toFixed(1)}`)
      .join(', ');
    const fallbacks = Object.entries(r.fallbacks)
      .map(([service, n]) => `${service} ${n}`)
      .join(', ');
    console.log(
      `  ${r.replicas} replica${r.replicas > 1 ? 's' : ' '}: ${(EVENTS / r.run.toLastStep).toFixed(0)} bookings/s to the last step (${r.run.toLastStep.toFixed(2)} s), ${(EVENTS / r.run.toCustomers).toFixed(0)}/s to the last visit's customer`,
    );
    console.log(
      `    duplicates: ${r.problems.length === 0 ? 'none' : r.problems.join('; ')}; deadlocks ${r.deadlocks}; batches handled one by one: ${fallbacks || 'none'}`,
    );
    console.log(`    CPU seconds: ${cpu}`);
    const batches = [...r.run.messaging.batches]
      .map(([name, b]) => `${name} ${b.batches} × ${(b.rows / b.batches).toFixed(0)}`)
      .join(', ');
    console.log(`    transactions × mean messages (warm-up included): ${batches}`);
  }
  const [one, two] = runs;
  const ratio = one.run.toLastStep / two.run.toLastStep;
  const met =
    ratio >= 0.9 && runs.every((r) => r.problems.length === 0) && two.deadlocks <= EVENTS / 100;
  console.log(
    `  two replicas / one, to the last step: ${ratio.toFixed(2)} (target >= 0.90 with no duplicate and no deadlock storm: ${met ? 'met' : 'NOT met'})`,
  );
}

async function main(): Promise<void> {
  const runs = await withBroker(async (channel, check) => [
    await runWith(1, channel, check),
    await runWith(2, channel, check),
  ]);
  report(runs);
  if (runs.some((r) => r.problems.length > 0)) process.exitCode = 1;
}

runBench(main);
