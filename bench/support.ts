import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { Client } from 'pg';
import {
  bootstrapDatabase,
  postgresEnv,
  postgresSettingsFromEnv,
  quoteIdent,
  type PostgresSettings,
} from '@kanta/database';
import { KantaApi, migrateAll, startLocalSystem, type LocalSystem } from '@kanta/local';

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
}

/**
 * Drives the gateway with autocannon: keep-alive connections and a light HTTP client, so the load
 * generator takes as little of the machine's two cores as it can. Latencies are the client's
 * own per response; any answer but 2xx fails the run.
 */
export async function httpLoad(load: HttpLoad): Promise<Stats> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        method: load.method,
        connections: load.connections,
        amount: load.amount,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${load.token}` },
        requests: load.body
          ? [{ setupRequest: (request) => ({ ...request, body: JSON.stringify(load.body!()) }) }]
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
    });
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `load on ${load.url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
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

/** A scratch database, migrated, and dropped by the returned function. */
export async function scratchDatabase(
  label: string,
): Promise<{ settings: PostgresSettings; env: Record<string, string>; drop: () => Promise<void> }> {
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
  return {
    settings,
    env: postgresEnv(settings),
    drop,
  };
}

export interface BenchSystem {
  system: LocalSystem;
  admin: KantaApi;
  tenantId: string;
  stationIds: string[];
}

/** The whole system on a scratch database, with one tenant, one station and its admin. */
export async function startBenchSystem(env: Record<string, string>): Promise<BenchSystem> {
  const id = randomBytes(3).toString('hex');
  const password = 'bench-password';
  const system = await startLocalSystem({
    freePorts: true,
    env: {
      ...env,
      RPC_QUEUE_PREFIX: `bench.${id}.`,
      EVENTS_EXCHANGE: `kanta.bench.${id}.events`,
      EVENTS_QUEUE_PREFIX: `bench.${id}.`,
      REDIS_KEY_PREFIX: `bench:${id}:`,
      JOBS_PREFIX: `bench:${id}:jobs`,
      GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL: `root-${id}@kanta.test`,
      GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD: password,
      LOG_LEVEL: 'warn',
    },
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
  const station = await first.expect<{ id: string }>(201, 'POST', '/api/v1/stations', {
    name: 'Bench station',
  });
  const admin = await root.login(email, password, station.id);
  return { system, admin, tenantId: tenant.id, stationIds: [station.id] };
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
