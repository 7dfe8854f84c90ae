import { bootGateway, PASSWORD, ROOT_EMAIL, type Harness } from './gateway-harness';

/*
 * The gateway's own database goes away under it (dropped with its connections, as an outage
 * or a failover would cut them): callers get a clear 503 problem, promptly, and /health says
 * which part is down.
 */
describe('gateway without its database', () => {
  let g: Harness;
  let token: string;

  beforeAll(async () => {
    g = await bootGateway('dbdown', { IDENTITY_CACHE_MS: '0' });
    token = await g.login(ROOT_EMAIL);
    await g.db.drop();
  });
  afterAll(async () => {
    await g?.close();
  });

  it('answers login with a 503 problem, not a 500', async () => {
    const started = Date.now();
    const reply = await g.call('POST', '/api/v1/auth/login', {
      body: { email: ROOT_EMAIL, password: PASSWORD },
    });
    expect(reply.status).toBe(503);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.detail).toMatch(/database/i);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('answers an authenticated request with a 503 problem when the user cannot be loaded', async () => {
    const reply = await g.call('GET', '/api/v1/me', { token });
    expect(reply.status).toBe(503);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
  });

  it('reports the database down on /health with a 503', async () => {
    const reply = await g.call('GET', '/health');
    expect(reply.status).toBe(503);
    expect(reply.body.checks.database.status).toBe('down');
  });
});
