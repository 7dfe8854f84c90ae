import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { postgresEnv, postgresSettingsFromEnv } from '@kanta/database';
import { KantaApi, LOCAL_SERVICES, startLocalSystem, type LocalSystem } from '@kanta/local';
import { deleteRedisKeys, dropDatabase, eventually, StartingGate } from '@kanta/testing';

jest.setTimeout(300_000);

/*
 * Replicas of a fresh installation start together: each service bootstraps the database, its
 * extensions, its roles and its schema, then migrates, while its twin and every other service do
 * the same (a consents instance once exited on a CREATE DATABASE a twin had just made). The
 * services reach PostgreSQL through a gate that holds their connections until all of them have
 * knocked, so their first statements meet every time, however differently each took to load.
 */
describe('two of every service starting at once on a database that does not exist yet', () => {
  const id = randomBytes(4).toString('hex');
  const database = `kanta_t_fresh_${id}`;
  const password = 'fresh-start-password';
  const base = postgresSettingsFromEnv();
  const lines: string[] = [];
  const systems: LocalSystem[] = [];
  let gate: StartingGate;

  afterAll(async () => {
    await Promise.all(systems.map((system) => system.stop()));
    await gate?.close();
    await deleteRedisKeys(`fresh:${id}:`);
    await dropDatabase(database);
  });

  it('brings all eight up healthy, and both gateways serve', async () => {
    gate = await StartingGate.listen({ host: base.host, port: base.port });
    const env = {
      ...postgresEnv({ ...base, host: '127.0.0.1', port: gate.port, database }),
      RPC_QUEUE_PREFIX: `fresh.${id}.`,
      EVENTS_EXCHANGE: `kanta.fresh.${id}.events`,
      EVENTS_QUEUE_PREFIX: `fresh.${id}.`,
      REDIS_KEY_PREFIX: `fresh:${id}:`,
      JOBS_PREFIX: `fresh:${id}:jobs`,
      GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL: `root-${id}@kanta.test`,
      GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD: password,
      LOG_LEVEL: 'warn',
    };
    const starting = ['a', 'b'].map((replica) =>
      startLocalSystem({
        disposableBroker: true,
        freePorts: true,
        // Eight processes start at once beside other test files on two cores.
        startTimeoutMs: 240_000,
        env,
        onLine: (service, line) => lines.push(`[${replica} ${service}] ${line}`),
      }),
    );
    // Every process's first connection waits at the gate; then they all go at once.
    await eventually(
      async () => (gate.waiting >= 2 * LOCAL_SERVICES.length ? true : undefined),
      180_000,
    ).finally(() => gate.release());
    const starts = await Promise.allSettled(starting);
    for (const start of starts) if (start.status === 'fulfilled') systems.push(start.value);
    const failures = starts.flatMap((start) =>
      start.status === 'rejected' ? [(start.reason as Error).message] : [],
    );
    // What the services said when they failed, without the noise of /health polls.
    const said = lines.filter((line) => /"level":(50|60)|^\[\w+ \w+\] [^{]/.test(line));
    expect({ failures, said: failures.length ? said.slice(-20) : [] }).toEqual({
      failures: [],
      said: [],
    });

    for (const system of systems) {
      for (const [service, port] of Object.entries(system.ports)) {
        const health = await fetch(`http://127.0.0.1:${port}/health`);
        expect({ service, status: health.status }).toEqual({ service, status: 200 });
      }
      const root = await new KantaApi(system.gatewayUrl).login(`root-${id}@kanta.test`, password);
      await root.expect(200, 'GET', '/api/v1/tenants');
    }

    // Each service works as its own runtime role, none as the administrator that provisioned.
    const admin = new Client({ ...base, database });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ application: string; role: string }>(
        `SELECT DISTINCT application_name AS application, usename AS role FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY 1`,
      );
      expect(rows).toEqual(
        LOCAL_SERVICES.map((s) => ({
          application: `kanta-${s.name}`,
          role: `kanta_${s.name}`,
        })).sort((a, b) => a.application.localeCompare(b.application)),
      );
    } finally {
      await admin.end();
    }
  });
});
