import { get as httpGet } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import { readGatewayConfig } from '../src/config';
import {
  bootGateway,
  createTenantFixture,
  fieldsOf,
  PASSWORD,
  ROOT_EMAIL,
  type Harness,
} from './gateway-harness';

let h: Harness;
beforeAll(async () => {
  h = await bootGateway('edge', {
    LOGIN_ATTEMPTS_PER_MINUTE: '1000',
    HTTP_BODY_LIMIT_BYTES: '2048',
  });
});
afterAll(async () => h?.close());

const isProblem = (headers: Headers): boolean =>
  (headers.get('content-type') ?? '').startsWith('application/problem+json');

describe('the HTTP edge', () => {
  it('answers an unknown route with a 404 problem', async () => {
    const reply = await h.call('GET', '/api/v1/no-such-thing');
    expect(reply.status).toBe(404);
    expect(isProblem(reply.headers)).toBe(true);
    expect(reply.body).toMatchObject({ status: 404, type: expect.stringContaining('not-found') });
  });

  it('answers a known path asked with a method it does not take with 405 and Allow', async () => {
    const reply = await h.call('DELETE', '/api/v1/customers');
    expect(reply.status).toBe(405);
    expect(isProblem(reply.headers)).toBe(true);
    expect(reply.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(reply.body).toMatchObject({ status: 405, type: expect.stringContaining('method-not') });
    // A parameter matches any id, a trailing slash and another case change nothing.
    const byId = await h.call('PUT', '/API/v1/customers/anything/');
    expect(byId.status).toBe(405);
    expect(byId.headers.get('allow')).toBe('GET, HEAD, PATCH');
    // A path no route has stays a 404.
    expect((await h.call('DELETE', '/api/v1/customers/a/b/c')).status).toBe(404);
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const reply = await h.call('POST', '/api/v1/auth/login', {
      rawBody: '{"email": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(isProblem(reply.headers)).toBe(true);
  });

  it('answers a body over the limit with a 413 problem', async () => {
    const reply = await h.call('POST', '/api/v1/auth/login', {
      body: { email: 'a@b.test', password: 'x'.repeat(5000) },
    });
    expect(reply.status).toBe(413);
    expect(isProblem(reply.headers)).toBe(true);
  });

  it('answers a body that is not JSON with a 415 problem', async () => {
    const reply = await h.call('POST', '/api/v1/auth/login', {
      rawBody: 'email=a@b.test',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(reply.status).toBe(415);
    expect(isProblem(reply.headers)).toBe(true);
  });

  it('reads gzip and deflate bodies, and refuses other encodings, charsets and top-level values', async () => {
    const post = (body: Buffer | string, headers: Record<string, string>) =>
      fetch(`${h.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    // Read and understood: the login's own field errors, not a complaint about the body (and no
    // login attempt counted against the rate limit).
    const login = JSON.stringify({ email: 'nope' });
    for (const [encoding, pack] of [
      ['gzip', gzipSync],
      ['deflate', deflateSync],
    ] as const) {
      const reply = await post(pack(Buffer.from(login)), { 'content-encoding': encoding });
      expect(reply.status).toBe(422);
    }
    const refused = async (reply: Response, status: number): Promise<void> => {
      expect(reply.status).toBe(status);
      expect(isProblem(reply.headers)).toBe(true);
    };
    await refused(await post(Buffer.from(login), { 'content-encoding': 'compress' }), 415);
    await refused(await post(login, { 'content-type': 'application/json; charset=latin1' }), 415);
    await refused(await post('42', {}), 400);
    await refused(
      await post(gzipSync(Buffer.from('garbage')), { 'content-encoding': 'gzip' }),
      400,
    );
    // Small on the wire, over the limit once inflated.
    const bomb = gzipSync(Buffer.from(`{"email":"${' '.repeat(100_000)}"}`));
    expect(bomb.length).toBeLessThan(2048);
    await refused(await post(bomb, { 'content-encoding': 'gzip' }), 413);
  });

  it('answers 304 to a GET whose If-None-Match is current, and the body to anything else', async () => {
    // node:http, not fetch: fetch adds Cache-Control: no-cache to a conditional request.
    const get = (headers: Record<string, string> = {}) =>
      new Promise<{ status: number; etag: string; body: string }>((resolve, reject) => {
        httpGet(`${h.url}/api/docs-json`, { headers }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              etag: String(response.headers.etag),
              body,
            }),
          );
        }).on('error', reject);
      });
    const first = await get();
    expect(first.etag).toMatch(/^W\/"[0-9a-f]+-/);
    const again = await get({ 'if-none-match': first.etag });
    expect(again).toMatchObject({ status: 304, body: '' });
    expect(await get({ 'if-none-match': 'W/"0-x"' })).toMatchObject({
      status: 200,
      body: first.body,
    });
    expect(await get({ 'if-none-match': first.etag, 'cache-control': 'no-cache' })).toMatchObject({
      status: 200,
      body: first.body,
    });
  });

  it('echoes a given X-Request-Id, makes one when none is given, and puts it in problems', async () => {
    const given = await h.call('GET', '/api/v1/nothing', {
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    expect(given.body.requestId).toBe('abc-123');
    const made = await h.call('GET', '/health');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the OpenAPI document and the Swagger UI', async () => {
    const json = await h.call('GET', '/api/docs-json');
    expect(json.status).toBe(200);
    expect(Object.keys(json.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/me',
        '/api/v1/customers',
        '/api/v1/customers/{id}',
      ]),
    );
    const ui = await fetch(`${h.url}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('validates login with field errors', async () => {
    const reply = await h.call('POST', '/api/v1/auth/login', { body: { email: 'nope' } });
    expect(reply.status).toBe(422);
    expect(fieldsOf(reply)).toEqual(['email', 'password']);
  });
});

describe('before the body is read', () => {
  const deep = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

  it('refuses JSON nested too deep with a 422 naming the path: on login, and on partner events', async () => {
    const tooDeep = Array(32).fill('a').join('.');
    const login = await h.call('POST', '/api/v1/auth/login', {
      // Within this gateway's 2 KiB body limit.
      rawBody: deep(300),
      headers: { 'content-type': 'application/json' },
    });
    expect(login.status).toBe(422);
    expect(login.body.errors).toEqual([
      expect.objectContaining({ field: tooDeep, reason: 'too_deep' }),
    ]);
    const root = await h.login(ROOT_EMAIL);
    const tenant = await createTenantFixture(h, root, 'edge-deep');
    const key = await h.call('POST', '/api/v1/partner-keys', {
      token: tenant.adminToken,
      body: { partner: 'deep-portal' },
    });
    expect(key.status).toBe(201);
    const partner = (apiKey: string) =>
      h.call('POST', '/api/v1/partner/events', {
        rawBody: `{"type":"partner.booking.created.v1","payload":${'['.repeat(900)}${']'.repeat(900)}}`,
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      });
    const deepEvent = await partner(key.body.key as string);
    expect(deepEvent.status).toBe(422);
    expect(deepEvent.body.errors).toEqual([
      expect.objectContaining({
        field: `payload.${Array(31).fill('0').join('.')}`,
        reason: 'too_deep',
      }),
    ]);
    // An unknown key is refused before the body is even looked at.
    expect((await partner('kpk_nobody')).status).toBe(401);
  });

  it('refuses a body without a valid token before reading it, on every protected route', async () => {
    const reply = await h.call('POST', '/api/v1/stations', {
      rawBody: '{"name": ',
      headers: {
        'content-type': 'application/json',
      },
    });
    // Malformed JSON would be a 400: the body was never parsed.
    expect(reply.status).toBe(401);
    expect(isProblem(reply.headers)).toBe(true);
  });

  it('counts every request to login per client IP, malformed or right, before its body', async () => {
    const g = await bootGateway('loginip', { LOGIN_ATTEMPTS_PER_MINUTE: '3' });
    try {
      const post = (rawBody: string) =>
        g.call('POST', '/api/v1/auth/login', {
          rawBody,
          headers: { 'content-type': 'application/json' },
        });
      expect((await post('{"email": ')).status).toBe(400);
      expect((await post(deep(100))).status).toBe(422);
      expect((await post(JSON.stringify({ email: ROOT_EMAIL, password: 'wrong' }))).status).toBe(
        401,
      );
      // Over the limit: neither a malformed nor a too-deep body is parsed any more, and the
      // right password is not checked.
      for (const body of [
        '{"email": ',
        deep(100),
        JSON.stringify({ email: ROOT_EMAIL, password: PASSWORD }),
      ]) {
        const limited = await post(body);
        expect(limited.status).toBe(429);
        expect(isProblem(limited.headers)).toBe(true);
        const retryAfter = Number(limited.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
    } finally {
      await g.close();
    }
  });
});

describe('without Redis', () => {
  it('login answers 503 promptly instead of hanging', async () => {
    const g = await bootGateway('noredis', { REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const started = Date.now();
      const reply = await g.call('POST', '/api/v1/auth/login', {
        body: { email: ROOT_EMAIL, password: PASSWORD },
      });
      expect(reply.status).toBe(503);
      expect(isProblem(reply.headers)).toBe(true);
      expect(Date.now() - started).toBeLessThan(1000);
      const health = await g.call('GET', '/health');
      expect(health.status).toBe(503);
      expect(health.body.checks.redis.status).toBe('down');
    } finally {
      await g.close();
    }
  });
});

describe('login rate limit behind a proxy', () => {
  it('counts attempts per forwarded client when the proxy is trusted, not per proxy', async () => {
    const g = await bootGateway('proxy', {
      GATEWAY_TRUST_PROXY: 'loopback',
      LOGIN_ATTEMPTS_PER_MINUTE: '2',
    });
    try {
      const attempt = (client: string, email: string) =>
        g.call('POST', '/api/v1/auth/login', {
          body: { email, password: 'wrong-password' },
          headers: { 'x-forwarded-for': client },
        });
      // Two clients, each with its own e-mail: one client's limit is not the other's.
      expect((await attempt('203.0.113.1', 'a@proxy.test')).status).toBe(401);
      expect((await attempt('203.0.113.1', 'b@proxy.test')).status).toBe(401);
      expect((await attempt('203.0.113.1', 'c@proxy.test')).status).toBe(429);
      expect((await attempt('203.0.113.2', 'd@proxy.test')).status).toBe(401);
    } finally {
      await g.close();
    }
  });

  it('refuses a GATEWAY_TRUST_PROXY it cannot read', () => {
    expect(() => readGatewayConfig({ GATEWAY_TRUST_PROXY: 'yes please!' })).toThrow(
      /GATEWAY_TRUST_PROXY/,
    );
  });
});
