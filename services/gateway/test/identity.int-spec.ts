import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { StationAnnouncer } from '../src/identity/station-announcer';
import {
  bootGateway,
  createTenantFixture,
  fieldsOf,
  idOf,
  pluck,
  PASSWORD,
  ROOT_EMAIL,
  type Harness,
  type TenantFixture,
} from './gateway-harness';

let h: Harness;
let rootToken: string;
let a: TenantFixture;
let b: TenantFixture;

beforeAll(async () => {
  h = await bootGateway('identity', { LOGIN_ATTEMPTS_PER_MINUTE: '1000' });
  rootToken = await h.login(ROOT_EMAIL);
  a = await createTenantFixture(h, rootToken, 'tenant-a');
  b = await createTenantFixture(h, rootToken, 'tenant-b');
});
afterAll(async () => h?.close());

describe('login', () => {
  it('returns a bearer token with its lifetime for the right password', async () => {
    const reply = await h.call('POST', '/api/v1/auth/login', {
      body: { email: 'ADMIN@tenant-a.test ', password: PASSWORD },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      tokenType: 'Bearer',
      expiresIn: h.config.jwtExpiresInSeconds,
    });
  });

  it('answers the same 401 problem for an unknown e-mail and a wrong password', async () => {
    const unknown = await h.call('POST', '/api/v1/auth/login', {
      body: { email: 'nobody@tenant-a.test', password: PASSWORD },
    });
    const wrong = await h.call('POST', '/api/v1/auth/login', {
      body: { email: a.adminEmail, password: 'wrong-password' },
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    const { instance: _i1, requestId: _r1, ...first } = unknown.body;
    const { instance: _i2, requestId: _r2, ...second } = wrong.body;
    expect(first).toEqual(second);
  });

  it('refuses a station the user does not work at', async () => {
    const reply = await h.call('POST', '/api/v1/auth/login', {
      body: { email: a.workerEmail, password: PASSWORD, stationId: a.stationIds[1] },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.errors[0].field).toBe('stationId');
  });

  it('refuses a deactivated user with 401, at login and with a token issued before', async () => {
    const email = 'leaver@tenant-a.test';
    const created = await h.call('POST', '/api/v1/users', {
      token: a.adminToken,
      body: { email, password: PASSWORD, role: 'worker', stationIds: [a.stationIds[0]] },
    });
    const token = await h.login(email);
    const patched = await h.call('PATCH', `/api/v1/users/${idOf(created)}`, {
      token: a.adminToken,
      body: { active: false },
    });
    expect(patched.body.active).toBe(false);
    expect((await h.call('GET', '/api/v1/me', { token })).status).toBe(401);
    const login = await h.call('POST', '/api/v1/auth/login', {
      body: { email, password: PASSWORD },
    });
    expect(login.status).toBe(401);
  });
});

describe('GET /me', () => {
  it('shows the user, role, tenant, stations and the station chosen at login', async () => {
    const token = await h.login(a.adminEmail, PASSWORD, a.stationIds[1]);
    const reply = await h.call('GET', '/api/v1/me', { token });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      user: { email: a.adminEmail, role: 'admin' },
      role: 'admin',
      tenant: {
        id: a.tenantId,
        slug: 'tenant-a',
        locale: 'fi',
        country: 'FI',
        timeZone: 'Europe/Helsinki',
      },
      currentStation: { id: a.stationIds[1], name: 'Beta' },
    });
    // An admin works at every station of the tenant.
    expect(pluck(reply.body.stations, 'id').sort()).toEqual([...a.stationIds].sort());
  });

  it('answers 401 without a token and with a forged one', async () => {
    expect((await h.call('GET', '/api/v1/me')).status).toBe(401);
    const forged = `${rootToken.slice(0, -4)}AAAA`;
    expect((await h.call('GET', '/api/v1/me', { token: forged })).status).toBe(401);
  });
});

describe('tenants', () => {
  it('are managed by a superadmin: create, list, get, patch', async () => {
    const created = await h.call('POST', '/api/v1/tenants', {
      token: rootToken,
      body: { slug: 'salon-pl', name: 'Salon', locale: 'pl', country: 'PL' },
    });
    expect(created.status).toBe(201);
    const id = idOf(created);
    const patched = await h.call('PATCH', `/api/v1/tenants/${id}`, {
      token: rootToken,
      body: { locale: 'uk' },
    });
    expect(patched.body).toMatchObject({ slug: 'salon-pl', locale: 'uk', country: 'PL' });
    expect((await h.call('GET', `/api/v1/tenants/${id}`, { token: rootToken })).body.locale).toBe(
      'uk',
    );
    const list = await h.call('GET', '/api/v1/tenants?limit=200', { token: rootToken });
    expect(pluck(list.body.items, 'slug')).toEqual(
      expect.arrayContaining(['tenant-a', 'tenant-b', 'salon-pl']),
    );
  });

  it('answers 409 naming slug for a taken slug', async () => {
    const reply = await h.call('POST', '/api/v1/tenants', {
      token: rootToken,
      body: { slug: 'tenant-a', name: 'Again', locale: 'fi', country: 'FI' },
    });
    expect(reply.status).toBe(409);
    expect(reply.body.errors[0]).toMatchObject({ field: 'slug', reason: 'taken' });
  });

  it('are closed to admins and workers (403)', async () => {
    for (const token of [a.adminToken, a.workerToken]) {
      expect((await h.call('GET', '/api/v1/tenants', { token })).status).toBe(403);
    }
  });

  it('validate their fields: one error per field, unknown fields named', async () => {
    const reply = await h.call('POST', '/api/v1/tenants', {
      token: rootToken,
      body: { slug: 'X', name: '', locale: 'de', country: 'fin', plan: 'gold' },
    });
    expect(reply.status).toBe(422);
    expect(fieldsOf(reply)).toEqual(['country', 'locale', 'name', 'plan', 'slug']);
  });
});

describe('stations', () => {
  it('an admin creates and renames stations of their own tenant; a worker may list them', async () => {
    const created = await h.call('POST', '/api/v1/stations', {
      token: a.adminToken,
      body: { name: 'Gamma' },
    });
    expect(created.status).toBe(201);
    expect(created.body.tenantId).toBe(a.tenantId);
    const renamed = await h.call('PATCH', `/api/v1/stations/${idOf(created)}`, {
      token: a.adminToken,
      body: { name: 'Delta' },
    });
    expect(renamed.body.name).toBe('Delta');
    const list = await h.call('GET', '/api/v1/stations', { token: a.workerToken });
    expect(list.status).toBe(200);
    expect(pluck(list.body.items, 'name').sort()).toEqual(['Alpha', 'Beta', 'Delta']);
  });

  it('announces a station’s name with its creation and each rename, under a growing version, and every name again at start', async () => {
    const db = h.gateway.app.get(DataSource);
    const names = (stationId: string) =>
      db.query<{ event_id: string; name: string; version: number }[]>(
        `SELECT event_id, envelope -> 'payload' ->> 'name' AS name,
                (envelope -> 'payload' ->> 'version')::int AS version
           FROM gateway.outbox
          WHERE type = 'gateway.station.named.v1' AND envelope -> 'payload' ->> 'stationId' = $1
          ORDER BY version`,
        [stationId],
      );
    const created = await h.call('POST', '/api/v1/stations', {
      token: a.adminToken,
      body: { name: 'Kappa' },
    });
    const id = idOf(created);
    const rename = (name: string) =>
      h.call('PATCH', `/api/v1/stations/${id}`, { token: a.adminToken, body: { name } });
    expect((await rename('Lambda')).status).toBe(200);
    expect((await rename('Lambda')).status).toBe(200); // the same name: nothing to announce
    expect((await rename('Kappa')).status).toBe(200); // back to the first name: a new version
    const announced = await names(id);
    expect(announced.map(({ name, version }) => [name, version])).toEqual([
      ['Kappa', 1],
      ['Lambda', 2],
      ['Kappa', 3],
    ]);
    expect(new Set(announced.map((a) => a.event_id)).size).toBe(3);
    // At start, the current name again, under the same event as its rename.
    await h.gateway.app.get(StationAnnouncer).announce();
    expect(await names(id)).toEqual(announced);
  });

  it('announces each station with its creation, and every station again at start under the same event id', async () => {
    const db = h.gateway.app.get(DataSource);
    const announcements = (stationId: string) =>
      db.query<{ tenant_id: string; event_id: string; published_at: Date | null }[]>(
        `SELECT tenant_id, event_id, published_at FROM gateway.outbox
          WHERE type = 'gateway.station.created.v1' AND envelope -> 'payload' ->> 'stationId' = $1`,
        [stationId],
      );
    const created = await h.call('POST', '/api/v1/stations', {
      token: a.adminToken,
      body: { name: 'Epsilon' },
    });
    const [first] = await announcements(idOf(created));
    expect(first.tenant_id).toBe(a.tenantId);
    // Published meanwhile; and a station of before announcements (written without one).
    await db.query('UPDATE gateway.outbox SET published_at = now() WHERE event_id = $1', [
      first.event_id,
    ]);
    const older = randomUUID();
    await db.query(`INSERT INTO gateway.stations (id, tenant_id, name) VALUES ($1, $2, 'Zeta')`, [
      older,
      a.tenantId,
    ]);
    const [{ n }] = await db.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM gateway.stations',
    );
    const announcer = h.gateway.app.get(StationAnnouncer);
    expect(await announcer.announce()).toBe(n);
    expect(await announcer.announce()).toBe(n);
    // Another gateway announcing at this moment (it holds the lock): this one leaves it to it.
    const other = db.createQueryRunner();
    await other.connect();
    await other.query("SELECT pg_advisory_lock(hashtext('kanta.gateway.announce-stations'))");
    // Marked published long ago: a re-announcement clears the mark, and the relay (running here) may
    // then publish it again at once — so "re-queued" is "no longer this mark", not "null".
    const longAgo = new Date('2000-01-01T00:00:00Z');
    await db.query('UPDATE gateway.outbox SET published_at = $2 WHERE event_id = $1', [
      first.event_id,
      longAgo,
    ]);
    expect(await announcer.announce()).toBe(0);
    const [skipped] = await announcements(idOf(created));
    expect(skipped.published_at).toEqual(longAgo);
    await other.query("SELECT pg_advisory_unlock(hashtext('kanta.gateway.announce-stations'))");
    await other.release();
    expect(await announcer.announce()).toBe(n);
    const [older1, ...olderMore] = await announcements(older);
    expect(older1.tenant_id).toBe(a.tenantId);
    expect(olderMore).toEqual([]);
    // The same event, to be sent again: the services' inboxes let it through once.
    const [again, ...more] = await announcements(idOf(created));
    expect(more).toEqual([]);
    expect(again.event_id).toBe(first.event_id);
    expect(again.published_at?.getTime() ?? null).not.toBe(longAgo.getTime());
  });

  it('a worker may not create or rename them (403)', async () => {
    const reply = await h.call('POST', '/api/v1/stations', {
      token: a.workerToken,
      body: { name: 'X' },
    });
    expect(reply.status).toBe(403);
  });

  it('another tenant’s station is not found (404) and never listed', async () => {
    const reply = await h.call('PATCH', `/api/v1/stations/${b.stationIds[0]}`, {
      token: a.adminToken,
      body: { name: 'Hijacked' },
    });
    expect(reply.status).toBe(404);
    const list = await h.call('GET', '/api/v1/stations', { token: a.adminToken });
    expect(pluck(list.body.items, 'id')).not.toContain(b.stationIds[0]);
  });
});

describe('users', () => {
  it('an admin creates a worker at their stations and changes role, stations and password', async () => {
    const created = await h.call('POST', '/api/v1/users', {
      token: a.adminToken,
      body: {
        email: 'New.Worker@Tenant-A.test',
        password: PASSWORD,
        role: 'worker',
        stationIds: [a.stationIds[1]],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: 'new.worker@tenant-a.test',
      role: 'worker',
      tenantId: a.tenantId,
      stationIds: [a.stationIds[1]],
      active: true,
    });
    expect(created.body.passwordHash).toBeUndefined();
    const patched = await h.call('PATCH', `/api/v1/users/${idOf(created)}`, {
      token: a.adminToken,
      body: { role: 'admin', stationIds: a.stationIds, password: 'another-password-1' },
    });
    expect(patched.body.role).toBe('admin');
    expect([...(patched.body.stationIds as string[])].sort()).toEqual([...a.stationIds].sort());
    await expect(h.login('new.worker@tenant-a.test', 'another-password-1')).resolves.toEqual(
      expect.any(String),
    );
  });

  it('answers 409 naming email for a taken e-mail address', async () => {
    const reply = await h.call('POST', '/api/v1/users', {
      token: a.adminToken,
      body: { email: b.adminEmail, password: PASSWORD, role: 'worker' },
    });
    expect(reply.status).toBe(409);
    expect(reply.body.errors[0]).toMatchObject({ field: 'email', reason: 'taken' });
  });

  it('refuses stations of another tenant with 422 on stationIds', async () => {
    const reply = await h.call('POST', '/api/v1/users', {
      token: a.adminToken,
      body: {
        email: 'cross@tenant-a.test',
        password: PASSWORD,
        role: 'worker',
        stationIds: [b.stationIds[0]],
      },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.errors[0].field).toBe('stationIds');
  });

  it('answers 404 to an admin reaching into another tenant: its users, or naming its id', async () => {
    const list = await h.call('GET', '/api/v1/users', { token: b.adminToken });
    const aUsers = await h.call('GET', '/api/v1/users', { token: a.adminToken });
    const aWorkerId = pluck(aUsers.body.items, 'id')[
      pluck(aUsers.body.items, 'email').indexOf(a.workerEmail)
    ];
    const patch = await h.call('PATCH', `/api/v1/users/${aWorkerId}`, {
      token: b.adminToken,
      body: { active: false },
    });
    expect(patch.status).toBe(404);
    expect(pluck(list.body.items, 'email')).not.toContain(a.workerEmail);
    const create = await h.call('POST', '/api/v1/users', {
      token: b.adminToken,
      body: {
        email: 'sneaky@tenant-b.test',
        password: PASSWORD,
        role: 'admin',
        tenantId: a.tenantId,
      },
    });
    expect(create.status).toBe(404);
    const listOther = await h.call('GET', `/api/v1/users?tenantId=${a.tenantId}`, {
      token: b.adminToken,
    });
    expect(listOther.status).toBe(404);
  });

  it('a superadmin must name the tenant, and workers may not manage users (403)', async () => {
    const unnamed = await h.call('POST', '/api/v1/users', {
      token: rootToken,
      body: { email: 'first@nowhere.test', password: PASSWORD, role: 'admin' },
    });
    expect(unnamed.status).toBe(422);
    expect(unnamed.body.errors[0].field).toBe('tenantId');
    expect((await h.call('GET', '/api/v1/users', { token: a.workerToken })).status).toBe(403);
  });

  it('an admin cannot demote or deactivate themselves', async () => {
    const me = await h.call('GET', '/api/v1/me', { token: a.adminToken });
    const reply = await h.call('PATCH', `/api/v1/users/${me.body.user.id}`, {
      token: a.adminToken,
      body: { role: 'worker' },
    });
    expect(reply.status).toBe(422);
  });
});

describe('the bootstrap superadmin', () => {
  it('exists once, without a tenant', async () => {
    const me = await h.call('GET', '/api/v1/me', { token: rootToken });
    expect(me.body).toMatchObject({
      role: 'superadmin',
      tenant: null,
      stations: [],
      currentStation: null,
    });
    const rows: { n: string }[] = await h.gateway.app
      .get(DataSource)
      .query(`SELECT count(*) AS n FROM gateway.users WHERE email = $1`, [ROOT_EMAIL]);
    expect(Number(rows[0].n)).toBe(1);
  });
});
