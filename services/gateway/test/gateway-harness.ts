import { deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, deleteRedisKeys, type TestDatabase } from '@kanta/testing';
import { readGatewayConfig, type GatewayConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/bootstrap';

export const ROOT_EMAIL = 'root@gateway.test';
export const PASSWORD = 'correct-horse-battery';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Harness {
  url: string;
  config: GatewayConfig;
  db: TestDatabase;
  gateway: RunningGateway;
  /** fetch against the gateway with an optional bearer token and JSON body. */
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  login(email: string, password?: string, stationId?: string): Promise<string>;
  close(): Promise<void>;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  // Replies are asserted on field by field in the tests; typing each one would be noise.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * Boots the gateway in-process on its own copy of the test database, with its own Redis key
 * prefix and RPC queue names, so test files running in parallel never meet.
 */
export async function bootGateway(
  label: string,
  env: Record<string, string> = {},
): Promise<Harness> {
  const suffix = randomBytes(4).toString('hex');
  const db = await createTestDatabase(`gw${label}`);
  const config = readGatewayConfig({
    ...db.env,
    GATEWAY_PORT: '0',
    GATEWAY_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    AMQP_URL,
    REDIS_URL,
    REDIS_KEY_PREFIX: `test:gateway:${suffix}:`,
    RPC_QUEUE_PREFIX: `test.${label}.${suffix}.`,
    EVENTS_EXCHANGE: `test.gateway.${suffix}.events`,
    EVENTS_QUEUE_PREFIX: `test.${label}.${suffix}.`,
    GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL: ROOT_EMAIL,
    GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD: PASSWORD,
    ...env,
  });
  const gateway = await startGateway(config);
  const url = gateway.url;

  const call = async (method: string, path: string, options: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: leave the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };

  const login = async (email: string, password = PASSWORD, stationId?: string): Promise<string> => {
    const reply = await call('POST', '/api/v1/auth/login', {
      body: { email, password, ...(stationId ? { stationId } : {}) },
      headers: { 'x-forwarded-for': 'ignored' },
    });
    if (reply.status !== 200) throw new Error(`login of ${email} answered ${reply.status}`);
    return (reply.body as { accessToken: string }).accessToken;
  };

  const close = async (): Promise<void> => {
    try {
      await gateway.close();
      await deleteRedisKeys(config.redisKeyPrefix);
      await deleteBrokerObjects(
        AMQP_URL,
        // Its events queues: it consumes the erasure requests.
        systemBrokerNames({
          services: ['gateway'],
          eventsExchange: config.eventsExchange,
          eventsQueuePrefix: config.eventsQueuePrefix,
          rpcQueues: Object.values(config.rpcQueues),
        }),
      );
    } finally {
      // Even when closing fails (the broker-down tests), the database copy must not be left.
      await db.drop();
    }
  };

  return { url, config, db, gateway, call, login, close };
}

/** The field names of a validation problem, sorted. */
export const fieldsOf = (reply: Reply): string[] =>
  ((reply.body as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field).sort();

/** One property of every element of a list, e.g. the e-mails of a page of users. */
export const pluck = (list: unknown, key: string): string[] =>
  (list as Record<string, string>[]).map((item) => item[key]);

export const idOf = (reply: Reply): string => (reply.body as { id: string }).id;

/** A tenant with two stations, an admin and a worker at the first station. */
export interface TenantFixture {
  tenantId: string;
  stationIds: [string, string];
  adminEmail: string;
  workerEmail: string;
  adminToken: string;
  workerToken: string;
}

export async function createTenantFixture(
  h: Harness,
  rootToken: string,
  slug: string,
): Promise<TenantFixture> {
  const tenant = await h.call('POST', '/api/v1/tenants', {
    token: rootToken,
    body: { slug, name: `Tenant ${slug}`, locale: 'fi', country: 'FI' },
  });
  if (tenant.status !== 201)
    throw new Error(`tenant: ${tenant.status} ${JSON.stringify(tenant.body)}`);
  const adminEmail = `admin@${slug}.test`;
  const admin = await h.call('POST', '/api/v1/users', {
    token: rootToken,
    body: { email: adminEmail, password: PASSWORD, role: 'admin', tenantId: idOf(tenant) },
  });
  if (admin.status !== 201) throw new Error(`admin: ${admin.status} ${JSON.stringify(admin.body)}`);
  const adminToken = await h.login(adminEmail);
  const stationIds: string[] = [];
  for (const name of ['Alpha', 'Beta']) {
    const station = await h.call('POST', '/api/v1/stations', { token: adminToken, body: { name } });
    if (station.status !== 201) throw new Error(`station: ${station.status}`);
    stationIds.push(idOf(station));
  }
  const workerEmail = `worker@${slug}.test`;
  const worker = await h.call('POST', '/api/v1/users', {
    token: adminToken,
    body: { email: workerEmail, password: PASSWORD, role: 'worker', stationIds: [stationIds[0]] },
  });
  if (worker.status !== 201) throw new Error(`worker: ${worker.status}`);
  return {
    tenantId: idOf(tenant),
    stationIds: [stationIds[0], stationIds[1]],
    adminEmail,
    workerEmail,
    adminToken,
    workerToken: await h.login(workerEmail),
  };
}
