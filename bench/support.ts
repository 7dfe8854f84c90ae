import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import autocannon from 'autocannon';
import { Client } from 'pg';
import {
  bootstrapDatabase,
  postgresEnv,
  postgresSettingsFromEnv,
  quoteIdent,
  type PostgresSettings,
} from '@kanta/database';
import { KantaApi, NAMES, migrateAll, startLocalSystem, type LocalSystem } from '@kanta/local';
import type { CustomerView, VisitView } from '@kanta/contracts';

export interface Stats {
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Runs `task` from `concurrency` loops until `total` calls are done; latencies in ms. */
export async function runConcurrently(
  concurrency: number,
  total: number,
  task: (i: number) => Promise<void>,
): Promise<Stats> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await task(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { count: total, seconds, perSecond: total / seconds, ...percentiles(latencies) };
}

export interface HttpLoad {
  url: string;
  method: 'GET' | 'POST';
  token: string;
  connections: number;
  amount: number;
  /** A fresh JSON body per request (creates must differ), if any. */
  body?: () => unknown;
  /** A path per request (reads of different records), instead of `url`'s. */
  path?: () => string;
}

/**
 * Drives the gateway with autocannon: keep-alive connections and a light HTTP client, so the load
 * generator takes as little of the machine's two cores as it can. Latencies are the client's
 * own per response; any answer but 2xx fails the run.
 */
export async function httpLoad(load: HttpLoad): Promise<Stats> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  // autocannon reports the end of a run at its next one-second tick: timed to the last answer
  // instead, or every rate would be the count over a whole number of seconds.
  let lastResponse = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        method: load.method,
        connections: load.connections,
        amount: load.amount,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${load.token}` },
        requests:
          load.body || load.path
            ? [
                {
                  setupRequest: (request) => ({
                    ...request,
                    ...(load.body ? { body: JSON.stringify(load.body()) } : {}),
                    ...(load.path ? { path: load.path() } : {}),
                  }),
                },
              ]
            : undefined,
      },
      (error: unknown, finished) =>
        error
          ? reject(error instanceof Error ? error : new Error('autocannon failed'))
          : resolve(finished),
    );
    instance.on('response', (_client, statusCode, _bytes, ms) => {
      if (statusCode >= 300) instance.stop();
      latencies.push(ms);
      lastResponse = process.hrtime.bigint();
    });
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `load on ${load.url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  const seconds = Number(lastResponse - started) / 1e9;
  return {
    count: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    ...percentiles(latencies),
  };
}

export function percentiles(values: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return { p50: at(50), p95: at(95), p99: at(99) };
}

export const ms = (n: number): string => `${n.toFixed(1)} ms`;

export interface ScratchDatabase {
  settings: PostgresSettings;
  env: Record<string, string>;
  /**
   * ANALYZE of the whole database, for a benchmark that starts from empty tables: what autovacuum
   * does on a running system within its first minute (autovacuum_naptime), sooner than a
   * benchmark's run ends. Until then PostgreSQL plans for tables it believes nearly empty, and a
   * cached plan (of a prepared statement, or a statement inside a PL/pgSQL function) made then
   * is kept by the pool's long-lived connections: a lookup by customer number read the tenant's
   * whole creation-time index in each create. ANALYZE invalidates those plans, as autovacuum's
   * would.
   */
  analyze: () => Promise<void>;
  drop: () => Promise<void>;
}

/** A scratch database, migrated, and dropped by the returned function. */
export async function scratchDatabase(label: string): Promise<ScratchDatabase> {
  const settings = {
    ...postgresSettingsFromEnv(),
    database: `kanta_bench_${label}_${randomBytes(3).toString('hex')}`,
  };
  await bootstrapDatabase(settings);
  await migrateAll(settings);
  const drop = async (): Promise<void> => {
    const admin = new Client({ ...settings, database: 'postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(settings.database)} WITH (FORCE)`);
    await admin.end();
  };
  const analyze = async (): Promise<void> => {
    const client = new Client(settings);
    await client.connect();
    await client.query('ANALYZE');
    await client.end();
  };
  return { settings, env: postgresEnv(settings), analyze, drop };
}

export interface BenchSystem {
  system: LocalSystem;
  /** The environment the services run with: another replica of one starts with it too. */
  env: Record<string, string>;
  /** The run's events exchange, for publishing to the services directly. */
  eventsExchange: string;
  /** Prepended to the services' queue names (`<prefix>customers.events`, …). */
  queuePrefix: string;
  admin: KantaApi;
  tenantId: string;
  stationIds: string[];
}

/** BENCH_TRACE: the services' warnings too (a failed event batch, a retried event). */
export const traceLine = process.env.BENCH_TRACE
  ? (service: string, line: string): void => console.log(`[${service}] ${line}`)
  : undefined;

/** The whole system on its own names, with a tenant, its admin and `stations` stations. */
export async function startBenchSystem(
  env: Record<string, string>,
  stations = 1,
  options: { onLine?: (service: string, line: string) => void } = {},
): Promise<BenchSystem> {
  const id = randomBytes(3).toString('hex');
  const password = 'bench-password';
  const systemEnv = {
    ...env,
    RPC_QUEUE_PREFIX: `bench.${id}.`,
    EVENTS_EXCHANGE: `kanta.bench.${id}.events`,
    EVENTS_QUEUE_PREFIX: `bench.${id}.`,
    REDIS_KEY_PREFIX: `bench:${id}:`,
    JOBS_PREFIX: `bench:${id}:jobs`,
    GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL: `root-${id}@kanta.test`,
    GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD: password,
    LOG_LEVEL: 'warn',
  };
  const system = await startLocalSystem({
    freePorts: true,
    // Its queues and exchanges are named after its id; the unroutable queue alone keeps every
    // event nobody binds, thousands a run.
    disposableBroker: true,
    env: systemEnv,
    onLine: options.onLine ?? traceLine,
  });
  const root = await new KantaApi(system.gatewayUrl).login(`root-${id}@kanta.test`, password);
  const tenant = await root.expect<{ id: string }>(201, 'POST', '/api/v1/tenants', {
    slug: `bench-${id}`,
    name: 'Bench Oy',
    locale: 'fi',
    country: 'FI',
  });
  const email = `admin@bench-${id}.test`;
  await root.expect(201, 'POST', '/api/v1/users', {
    tenantId: tenant.id,
    email,
    password,
    role: 'admin',
    stationIds: [],
  });
  const first = await root.login(email, password);
  const stationIds: string[] = [];
  for (let i = 1; i <= stations; i++) {
    const station = await first.expect<{ id: string }>(201, 'POST', '/api/v1/stations', {
      name: `Bench station ${i}`,
    });
    stationIds.push(station.id);
  }
  const admin = await root.login(email, password, stationIds[0]);
  return {
    system,
    env: systemEnv,
    eventsExchange: `kanta.bench.${id}.events`,
    queuePrefix: `bench.${id}.`,
    admin,
    tenantId: tenant.id,
    stationIds,
  };
}

export function printComparison(
  title: string,
  rows: { label: string; value: string }[],
  ratio: { label: string; value: number; target: string; met: boolean },
): void {
  console.log(`\n== ${title}`);
  for (const row of rows) console.log(`  ${row.label.padEnd(40)} ${row.value}`);
  console.log(
    `  ${ratio.label.padEnd(40)} ${ratio.value.toFixed(2)}  (target ${ratio.target}: ${ratio.met ? 'met' : 'NOT met'})`,
  );
}

// The demo's Finnish and Polish names, with French and Ukrainian ones for accents and Cyrillic.
const FIRST = [
  ...NAMES.fi.first,
  ...NAMES.pl.first,
  ...['Marie', 'Jean', 'Élodie', 'Léa', 'Hugo', 'Chloé', 'Olena', 'Taras', 'Sofiia', 'Andrii'],
  ...['Iryna', 'Oksana', 'Mykola'],
];
const LAST = [
  ...NAMES.fi.last,
  ...NAMES.pl.last,
  ...['Martin', 'Bernard', 'Dubois', 'Lefèvre', 'Moreau', 'Fournier', 'Girard', 'Bonnet'],
  ...['Шевченко', 'Коваленко', 'Бондаренко', 'Ткаченко', 'Кравченко', 'Олійник', 'Шевчук'],
];

/** Synthetic customers (one tenant, one station) generated inside Postgres (a COPY from Node would only add transfer). */
export async function seedCustomers(
  client: Client,
  tenantId: string,
  stationId: string,
  count: number,
): Promise<number> {
  const started = Date.now();
  await client.query(`SET maintenance_work_mem = '1GB'`);
  // Without the reporting stream's triggers: a million reportable events would have the relay
  // publishing, and the reporting service applying, through the measurements that follow. The
  // seed is set-up; a benchmark that needs the read model rebuilds it (services/reporting).
  await client.query(`SET session_replication_role = replica`);
  await client.query('DROP INDEX customers.customers_search_idx');
  // Ids as the service makes them (UUIDv7, time-ordered), so rows lie in the heap in id order.
  await client.query(
    `CREATE FUNCTION pg_temp.customers_bench_uuidv7(ts timestamptz, n int) RETURNS uuid
       LANGUAGE sql AS $$ SELECT (lpad(to_hex(floor(extract(epoch FROM ts) * 1000)::bigint), 12, '0')
         || '7' || substr(md5(n::text), 1, 3) || '8' || substr(md5(n::text), 4, 15))::uuid $$`,
  );
  await client.query(
    `INSERT INTO customers.customers (tenant_id, id, first_name, last_name, email, phone,
       phone_raw, phone_national, customer_number, station_ids, status, created_at, updated_at)
     SELECT $1, pg_temp.customers_bench_uuidv7(now() - (($3::int - n) * interval '1 minute'), n),
            f.name, l.name,
            lower(f.ascii) || '.' || lower(l.ascii) || n || '@example.test',
            '+35840' || lpad(n::text, 7, '0'), '040 ' || lpad(n::text, 7, '0'),
            '040' || lpad(n::text, 7, '0'), (100000 + n)::text, ARRAY[$2::uuid],
            CASE WHEN n % 20 = 7 THEN 'passive' ELSE 'active' END,
            now() - (($3::int - n) * interval '1 minute'), now()
       FROM generate_series(1, $3::int) AS n
       JOIN LATERAL (SELECT name, customers.search_fold(name) AS ascii
                       FROM unnest($4::text[]) WITH ORDINALITY AS x(name, i)
                      WHERE i = 1 + n % cardinality($4::text[])) f ON true
       JOIN LATERAL (SELECT name, customers.search_fold(name) AS ascii
                       FROM unnest($5::text[]) WITH ORDINALITY AS x(name, i)
                      WHERE i = 1 + (n / cardinality($4::text[])) % cardinality($5::text[])) l ON true`,
    [tenantId, stationId, count, FIRST, LAST],
  );
  await client.query(
    `CREATE INDEX customers_search_idx ON customers.customers
       USING gin (tenant_id, search_text public.gin_trgm_ops)`,
  );
  await client.query(`SET session_replication_role = origin`);
  await settleAfterSeed(client, ['customers.customers']);
  return (Date.now() - started) / 1000;
}

/**
 * After a bulk seed: VACUUM ANALYZE of the seeded tables, then a CHECKPOINT, so the measured
 * runs never share the two cores with the checkpointer writing out the seed's million rows.
 */
export async function settleAfterSeed(client: Client, tables: string[]): Promise<void> {
  for (const table of tables) await client.query(`VACUUM ANALYZE ${table}`);
  await client.query('CHECKPOINT');
}

export interface SearchCase {
  label: string;
  /** The gateway path to GET, with its query string. */
  path: string;
  /** The same search straight from pg. */
  raw: () => Promise<void>;
}

const WARMUP_SEARCHES = 1500;

/**
 * Requests per query in the search-like benchmarks (BENCH_SEARCHES). With 20 clients in flight,
 * one stall of the machine (a GC pause, a checkpoint's fsync) delays 20 answers at once: over
 * 400 requests that single event was the p95, and the same code passed or missed by the run;
 * over 2,000 it is one per cent of the answers.
 */
export const SEARCH_REQUESTS = Number(process.env.BENCH_SEARCHES ?? 2000);

/** Clients in flight in the search-like benchmarks, through the gateway and raw alike. */
export const SEARCH_CONCURRENCY = 20;

/**
 * Each search through the gateway (autocannon) beside its raw SQL (pg, the same statements),
 * `concurrency` clients, `requests` each after a warm-up; prints one line per case and whether
 * API p95 <= max(3 x raw p95, raw p95 + 15 ms). Returns whether every case met it.
 */
export async function compareSearches(options: {
  title: string;
  bench: BenchSystem;
  cases: SearchCase[];
  /** Default SEARCH_REQUESTS. */
  requests?: number;
  /** Default SEARCH_CONCURRENCY. */
  concurrency?: number;
}): Promise<boolean> {
  const { admin } = options.bench;
  const { concurrency = SEARCH_CONCURRENCY, requests = SEARCH_REQUESTS } = options;
  const gatewayUrl = options.bench.system.gatewayUrl;
  console.log(
    `\n== ${options.title}, ${concurrency} concurrent clients, ${requests} searches per query`,
  );
  console.log(
    `  ${'query'.padEnd(40)} ${'API p50 / p95'.padEnd(22)} ${'raw p50 / p95'.padEnd(22)} ratio p95  target`,
  );
  let allMet = true;
  for (const c of options.cases) {
    const found = (await admin.expect<{ items: unknown[] }>(200, 'GET', c.path)).items.length;
    const api = (amount: number): Promise<Stats> =>
      httpLoad({
        url: `${gatewayUrl}${c.path}`,
        method: 'GET',
        token: admin.token!,
        connections: concurrency,
        amount,
      });
    // Enough for a steady state on both sides (V8's optimised code, PostgreSQL's caches in every
    // pooled backend): with 40, and still with 200, the first query of a run answered a third
    // to a half slower, raw and API alike, than the same query repeated at the end.
    await api(WARMUP_SEARCHES);
    await runConcurrently(concurrency, WARMUP_SEARCHES, c.raw);
    const apiStats = await api(requests);
    const rawStats = await runConcurrently(concurrency, requests, c.raw);
    const limit = Math.max(3 * rawStats.p95, rawStats.p95 + 15);
    const met = apiStats.p95 <= limit;
    allMet &&= met;
    console.log(
      `  ${`${c.label} (${found} found)`.padEnd(40)} ${`${ms(apiStats.p50)} / ${ms(apiStats.p95)}`.padEnd(22)} ${`${ms(rawStats.p50)} / ${ms(rawStats.p95)}`.padEnd(22)} ${(apiStats.p95 / rawStats.p95).toFixed(2).padStart(9)}  ${met ? 'met' : `NOT met (limit ${ms(limit)})`}`,
    );
  }
  console.log(
    `  target API p95 <= max(3 x raw p95, raw p95 + 15 ms): ${allMet ? 'met for every query' : 'NOT met for every query'}`,
  );
  return allMet;
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 once it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Pids whose command name is `name` (beam.smp for RabbitMQ). */
export function pidsNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    });
}

/**
 * The processes whose CPU a benchmark reads, by name: the system's services (read again after
 * a restart: the pid changes), this run's PostgreSQL backends by the service that opened them
 * (`pg:kanta-gateway`, …; other databases on the machine are someone else's load) and RabbitMQ.
 */
export async function processGroups(
  system: LocalSystem,
  client: Client,
): Promise<Record<string, number[]>> {
  const { rows } = await client.query<{ pid: number; name: string }>(
    `SELECT pid, 'pg:' || application_name AS name FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  const groups: Record<string, number[]> = Object.fromEntries(
    Object.entries(system.processes).map(([name, child]) => [name, [child.pid!]]),
  );
  for (const row of rows) (groups[row.name] ??= []).push(row.pid);
  groups.rabbitmq = pidsNamed('beam.smp');
  return groups;
}

/** CPU seconds each group of processes has used so far. */
export function cpuOfGroups(groups: Record<string, number[]>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(groups).map(([name, pids]) => [
      name,
      pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
    ]),
  );
}

/** Runs a benchmark's main; a failure is printed and the process exits non-zero. */
export function runBench(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/**
 * A customer with a long history, made through the API: `history` visits (with notes and
 * special requests) and a sale of each. `n` keeps phone numbers, e-mails and receipt numbers
 * apart between customers of one run.
 */
export async function customerWithHistory(
  bench: BenchSystem,
  lastName: string,
  n: number,
  history: number,
): Promise<CustomerView> {
  const [station] = bench.stationIds;
  const customer = await bench.admin.expect<CustomerView>(
    201,
    'POST',
    '/api/v1/customers?allowDuplicate=true',
    {
      firstName: 'Pitkä',
      lastName,
      phone: `+35840${String(1_000_000 + n)}`,
      email: `historia${n}@example.test`,
      notes: 'Kanta-asiakas vuodesta 2001',
      stationIds: [station],
    },
  );
  await runConcurrently(8, history, async (i) => {
    const visit = await bench.admin.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      customerId: customer.id,
      stationId: station,
      kind: 'inspection',
      scheduledAt: new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString(),
      channel: 'phone',
      notes: `Käynti ${i}: soittaa ennen`,
      specialRequests: 'Odottaa paikalla',
    });
    await bench.admin.expect(201, 'POST', '/api/v1/sales', {
      customerId: customer.id,
      stationId: station,
      visitId: visit.id,
      receiptNumber: `R-${n}-${i}`,
      soldAt: new Date(Date.UTC(2020, 0, 1) + i * 86_400_000 + 3_600_000).toISOString(),
      currency: 'EUR',
      lines: [
        {
          kind: 'service',
          name: 'Katsastus',
          quantity: 1,
          unitPriceMinor: 5990,
          vatRate: 25.5,
          totalMinor: 5990,
        },
      ],
      totalMinor: 5990,
    });
  });
  return customer;
}
