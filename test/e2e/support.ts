import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import type { ProblemDetails } from '@kanta/contracts';
import {
  createTestDatabase,
  deleteRedisKeys,
  OpenApiConformance,
  type OpenApiDocument,
  type TestDatabase,
} from '@kanta/testing';
import { KantaApi, startLocalSystem, type LocalSystem } from '@kanta/local';

export const PASSWORD = 'e2e-password-1';

export interface E2eSystem {
  /** Anonymous client; it and every client made from it check each answer against `openApi`. */
  api: KantaApi;
  superadmin: KantaApi;
  system: LocalSystem;
  database: TestDatabase;
  /** Unique names of this run's broker objects. */
  eventsExchange: string;
  /** Lines the services printed, for assertions about logs. */
  logs: string[];
  /** JOBS_PREFIX of this run. */
  jobsPrefix: string;
  /** REPORTS_DIR of this run: the reporting service's files, deleted at stop. */
  reportsDir: string;
  /** The gateway's OpenAPI document, which every answer the clients get is checked against. */
  openApi: OpenApiConformance;
  stop(): Promise<void>;
}

/**
 * The whole system as `npm start` runs it (compiled services as child processes), on a database
 * of its own and with broker names of its own, so e2e files can run in parallel.
 */
export async function startE2eSystem(
  label: string,
  env: Record<string, string> = {},
): Promise<E2eSystem> {
  const id = randomBytes(4).toString('hex');
  const database = await createTestDatabase(`e2e${label}`);
  const eventsExchange = `kanta.e2e.${id}.events`;
  const superEmail = `root-${id}@kanta.test`;
  // BullMQ keys of this run only, deleted at stop: the Redis is shared.
  const jobsPrefix = `e2e:${id}:jobs`;
  const reportsDir = join(tmpdir(), `kanta-e2e-${id}-reports`);
  const logs: string[] = [];
  const system = await startLocalSystem({
    freePorts: true,
    disposableBroker: true,
    // Five services start at once beside other test files on two cores: give them time.
    startTimeoutMs: 90_000,
    env: {
      ...database.env,
      RPC_QUEUE_PREFIX: `e2e.${id}.`,
      EVENTS_EXCHANGE: eventsExchange,
      EVENTS_QUEUE_PREFIX: `e2e.${id}.`,
      REDIS_KEY_PREFIX: `e2e:${id}:`,
      GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL: superEmail,
      GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD: PASSWORD,
      JOBS_PREFIX: jobsPrefix,
      REPORTS_DIR: reportsDir,
      LOG_LEVEL: 'info',
      // How long the consents service waits for a just-created customer's event (default 2 s).
      CONSENTS_CUSTOMER_WAIT_MS: '500',
      ...env,
    },
    onLine: (service, line) => logs.push(`[${service}] ${line}`),
  }).catch(async (error: Error) => {
    await database.drop();
    // The services' own last words, not the harness's polling of /health.
    const said = logs.filter((line) => !line.includes('"path":"/health"'));
    throw new Error(`${error.message}\n${said.slice(-40).join('\n')}`);
  });
  const openApi = new OpenApiConformance(
    (await (await fetch(`${system.gatewayUrl}/api/docs-json`)).json()) as OpenApiDocument,
  );
  // Departures are also kept, so that one a test caught (an expected rejection) still fails.
  const departures: string[] = [];
  const api = new KantaApi(system.gatewayUrl, null, (exchange) => {
    const found = openApi.check(exchange);
    if (found.length === 0) return;
    departures.push(...found);
    throw new Error(`The answer departs from the OpenAPI document:\n${found.join('\n')}`);
  });
  const superadmin = await api.login(superEmail, PASSWORD);
  return {
    api,
    superadmin,
    system,
    database,
    eventsExchange,
    logs,
    jobsPrefix,
    reportsDir,
    openApi,
    stop: async () => {
      await system.stop();
      await deleteRedisKeys(`${jobsPrefix}:`);
      await rm(reportsDir, { recursive: true, force: true });
      await database.drop();
      if (departures.length > 0) {
        throw new Error(`Answers departed from the OpenAPI document:\n${departures.join('\n')}`);
      }
    },
  };
}

export interface TenantFixture {
  tenantId: string;
  stationIds: string[];
  admin: KantaApi;
  worker: KantaApi;
  otherWorker: KantaApi;
}

/** A tenant with two stations, an admin, a worker at the first and a worker at the second. */
export async function createTenant(
  e2e: E2eSystem,
  slug: string,
  country = 'FI',
  locale = 'fi',
): Promise<TenantFixture> {
  const tenant = await e2e.superadmin.expect<{ id: string }>(201, 'POST', '/api/v1/tenants', {
    slug,
    name: `Tenant ${slug}`,
    locale,
    country,
  });
  const adminEmail = `admin@${slug}.test`;
  await e2e.superadmin.expect(201, 'POST', '/api/v1/users', {
    tenantId: tenant.id,
    email: adminEmail,
    password: PASSWORD,
    role: 'admin',
    stationIds: [],
  });
  const firstAdmin = await e2e.api.login(adminEmail, PASSWORD);
  const stationIds: string[] = [];
  for (const name of ['North', 'South']) {
    const station = await firstAdmin.expect<{ id: string }>(201, 'POST', '/api/v1/stations', {
      name: `${name} ${slug}`,
    });
    stationIds.push(station.id);
  }
  const admin = await e2e.api.login(adminEmail, PASSWORD, stationIds[0]);
  const workers: KantaApi[] = [];
  for (const [i, stationId] of stationIds.entries()) {
    const email = `worker${i}@${slug}.test`;
    await admin.expect(201, 'POST', '/api/v1/users', {
      email,
      password: PASSWORD,
      role: 'worker',
      stationIds: [stationId],
    });
    workers.push(await e2e.api.login(email, PASSWORD, stationId));
  }
  return { tenantId: tenant.id, stationIds, admin, worker: workers[0], otherWorker: workers[1] };
}

/** The response is a problem document of this status, naming the field (and reason) if given. */
export function expectProblem(
  response: { status: number; headers: Headers; body: unknown },
  status: number,
  field?: string,
  reason?: string,
): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  if (field !== undefined) {
    const errors = (response.body as ProblemDetails).errors ?? [];
    expect(errors).toContainEqual(
      expect.objectContaining({ field, ...(reason ? { reason } : {}) }),
    );
  }
}

/**
 * Binds a queue of its own to the run's events exchange, runs `act`, and resolves the first event
 * (as published, the raw JSON text) that `matches` the result of `act`.
 */
export async function publishedEvent<T>(
  e2e: E2eSystem,
  routingKey: string,
  act: () => Promise<T>,
  matches: (text: string, result: T) => boolean,
  timeoutMs = 15_000,
): Promise<{ result: T; message: string }> {
  const connection = await connect('amqp://guest:guest@127.0.0.1:5672');
  try {
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, e2e.eventsExchange, routingKey);
    const result = await act();
    const message = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${routingKey} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      void channel.consume(queue, (msg) => {
        if (!msg || !matches(msg.content.toString(), result)) return;
        clearTimeout(timer);
        resolve(msg.content.toString());
      });
    });
    return { result, message };
  } finally {
    await connection.close();
  }
}
