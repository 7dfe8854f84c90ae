import { readGatewayConfig } from '../src/config';
import {
  bootGateway,
  createTenantFixture,
  idOf,
  PASSWORD,
  ROOT_EMAIL,
  type Harness,
} from './gateway-harness';

let h: Harness;
beforeAll(async () => {
  h = await bootGateway('signin', {
    GATEWAY_TRUST_PROXY: 'loopback',
    LOGIN_ATTEMPTS_PER_MINUTE: '1000',
    LOGIN_FREE_FAILURES: '2',
    LOGIN_BACKOFF_MAX_SECONDS: '60',
  });
});
afterAll(async () => h?.close());

/** A login from a client IP (the gateway trusts the loopback proxy's X-Forwarded-For). */
const loginFrom = (client: string, email: string, password: string) =>
  h.call('POST', '/api/v1/auth/login', {
    body: { email, password },
    headers: { 'x-forwarded-for': client },
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('per-account login back-off', () => {
  it('makes a guesser wait, exponentially, without locking the owner out of a known IP', async () => {
    const root = await h.login(ROOT_EMAIL);
    const tenant = await createTenantFixture(h, root, 'backoff');
    const email = tenant.workerEmail;
    const owner = '198.51.100.7';
    const guesser = '203.0.113.9';
    // The owner has signed in from their workplace before.
    expect((await loginFrom(owner, email, PASSWORD)).status).toBe(200);

    // Two free failures, then the third starts a 1 s wait.
    for (let i = 0; i < 3; i++) expect((await loginFrom(guesser, email, 'guess')).status).toBe(401);
    const waiting = await loginFrom(guesser, email, PASSWORD);
    expect(waiting.status).toBe(429);
    expect(Number(waiting.headers.get('retry-after'))).toBe(1);

    // The owner, from the IP they signed in from, is not held back; a new IP is.
    expect((await loginFrom(owner, email, PASSWORD)).status).toBe(200);
    expect((await loginFrom('192.0.2.44', email, PASSWORD)).status).toBe(429);

    // After the wait, another failure doubles it.
    await sleep(1100);
    expect((await loginFrom(guesser, email, 'guess')).status).toBe(401);
    const longer = await loginFrom(guesser, email, 'guess');
    expect(longer.status).toBe(429);
    expect(Number(longer.headers.get('retry-after'))).toBe(2);

    // Another account is not affected by this one's back-off.
    expect((await loginFrom(guesser, tenant.adminEmail, PASSWORD)).status).toBe(200);
  });

  it('clears a client’s own failures when it signs in', async () => {
    const root = await h.login(ROOT_EMAIL);
    const tenant = await createTenantFixture(h, root, 'backoff-own');
    const client = '198.51.100.20';
    for (let i = 0; i < 2; i++) {
      expect((await loginFrom(client, tenant.adminEmail, 'typo')).status).toBe(401);
    }
    expect((await loginFrom(client, tenant.adminEmail, PASSWORD)).status).toBe(200);
    // Two more typos are free again.
    for (let i = 0; i < 2; i++) {
      expect((await loginFrom(client, tenant.adminEmail, 'typo')).status).toBe(401);
    }
    expect((await loginFrom(client, tenant.adminEmail, PASSWORD)).status).toBe(200);
  });
});

describe('changing a password', () => {
  it('lets a superadmin change their own, and ends the tokens issued before', async () => {
    const g = await bootGateway('ownpassword');
    try {
      const before = await g.login(ROOT_EMAIL);
      const alsoBefore = await g.login(ROOT_EMAIL);
      const wrong = await g.call('POST', '/api/v1/me/password', {
        token: before,
        body: { currentPassword: 'not-it', newPassword: 'a-new-long-password' },
      });
      expect(wrong.status).toBe(422);
      expect(wrong.body.errors).toEqual([
        expect.objectContaining({ field: 'currentPassword', reason: 'wrong_password' }),
      ]);
      const changed = await g.call('POST', '/api/v1/me/password', {
        token: before,
        body: { currentPassword: PASSWORD, newPassword: 'a-new-long-password' },
      });
      expect(changed.status).toBe(200);
      const after = changed.body.accessToken as string;
      for (const old of [before, alsoBefore]) {
        const refused = await g.call('GET', '/api/v1/me', { token: old });
        expect(refused.status).toBe(401);
        expect(refused.body.detail).toMatch(/password was changed/);
      }
      expect((await g.call('GET', '/api/v1/me', { token: after })).status).toBe(200);
      await expect(g.login(ROOT_EMAIL)).rejects.toThrow(/401/);
      expect(await g.login(ROOT_EMAIL, 'a-new-long-password')).toEqual(expect.any(String));
    } finally {
      await g.close();
    }
  });

  it('ends a user’s tokens when an admin sets their password', async () => {
    const root = await h.login(ROOT_EMAIL);
    const tenant = await createTenantFixture(h, root, 'reset');
    const users = await h.call('GET', '/api/v1/users', { token: tenant.adminToken });
    const worker = (users.body.items as { id: string; email: string }[]).find(
      (user) => user.email === tenant.workerEmail,
    )!;
    expect((await h.call('GET', '/api/v1/me', { token: tenant.workerToken })).status).toBe(200);
    const reset = await h.call('PATCH', `/api/v1/users/${worker.id}`, {
      token: tenant.adminToken,
      body: { password: 'set-by-the-admin' },
    });
    expect(reset.status).toBe(200);
    expect((await h.call('GET', '/api/v1/me', { token: tenant.workerToken })).status).toBe(401);
    // Other changes (here: stations) leave the tokens working.
    const fresh = await h.login(tenant.workerEmail, 'set-by-the-admin');
    const moved = await h.call('PATCH', `/api/v1/users/${idOf(reset)}`, {
      token: tenant.adminToken,
      body: { stationIds: tenant.stationIds },
    });
    expect(moved.status).toBe(200);
    expect((await h.call('GET', '/api/v1/me', { token: fresh })).status).toBe(200);
  });

  it('keeps an identity at most 10 s on another instance', () => {
    expect(() => readGatewayConfig({ IDENTITY_CACHE_MS: '10001' })).toThrow(/IDENTITY_CACHE_MS/);
  });
});
