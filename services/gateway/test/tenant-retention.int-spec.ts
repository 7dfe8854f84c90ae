import { DataSource } from 'typeorm';
import { TENANT_SETTINGS_CHANGED_V1 } from '@kanta/contracts';
import { StationAnnouncer } from '../src/identity/station-announcer';
import {
  bootGateway,
  createTenantFixture,
  idOf,
  ROOT_EMAIL,
  type Harness,
  type TenantFixture,
} from './gateway-harness';

let h: Harness;
let rootToken: string;
let a: TenantFixture;

beforeAll(async () => {
  h = await bootGateway('retention', { LOGIN_ATTEMPTS_PER_MINUTE: '1000' });
  rootToken = await h.login(ROOT_EMAIL);
  a = await createTenantFixture(h, rootToken, 'retention-a');
});
afterAll(async () => h?.close());

/** The tenant's settings announcements in the gateway's outbox, oldest first. */
const announcements = (tenantId: string) =>
  h.gateway.app
    .get(DataSource)
    .query<{ envelope: { eventId: string; payload: unknown } }[]>(
      `SELECT envelope FROM gateway.outbox WHERE type = $1 AND tenant_id = $2 ORDER BY id`,
      [TENANT_SETTINGS_CHANGED_V1, tenantId],
    )
    .then((rows) => rows.map((r) => r.envelope.payload));

/*
 * The tenant's retention setting: off by default, set by a superadmin, and announced to the
 * services (the privacy service's sweep acts on it) with the tenant's creation and each change.
 */
describe('tenant retention setting', () => {
  it('is off by default, announced with the tenant, and each change announced with a newer version', async () => {
    const created = await h.call('POST', '/api/v1/tenants', {
      token: rootToken,
      body: { slug: 'keep-all', name: 'Keep all', locale: 'fi', country: 'FI' },
    });
    expect(created.body.retentionYears).toBeNull();
    const id = idOf(created);
    expect(await announcements(id)).toEqual([
      { retentionYears: null, reportRetentionDays: 7, version: 1 },
    ]);

    const on = await h.call('PATCH', `/api/v1/tenants/${id}`, {
      token: rootToken,
      body: { retentionYears: 6 },
    });
    expect(on.status).toBe(200);
    expect(on.body.retentionYears).toBe(6);
    expect((await h.call('GET', `/api/v1/tenants/${id}`, { token: rootToken })).body).toMatchObject(
      { retentionYears: 6 },
    );
    // A change of anything else, or the same value again, announces nothing; null turns it off.
    await h.call('PATCH', `/api/v1/tenants/${id}`, { token: rootToken, body: { name: 'Kept' } });
    await h.call('PATCH', `/api/v1/tenants/${id}`, {
      token: rootToken,
      body: { retentionYears: 6 },
    });
    const off = await h.call('PATCH', `/api/v1/tenants/${id}`, {
      token: rootToken,
      body: { retentionYears: null },
    });
    expect(off.body).toMatchObject({ retentionYears: null, name: 'Kept' });
    expect(await announcements(id)).toEqual([
      { retentionYears: null, reportRetentionDays: 7, version: 1 },
      { retentionYears: 6, reportRetentionDays: 7, version: 2 },
      { retentionYears: null, reportRetentionDays: 7, version: 3 },
    ]);

    const withIt = await h.call('POST', '/api/v1/tenants', {
      token: rootToken,
      body: { slug: 'keep-ten', name: 'Keep ten', locale: 'fi', country: 'FI', retentionYears: 10 },
    });
    expect(withIt.body.retentionYears).toBe(10);
    expect(await announcements(idOf(withIt))).toEqual([
      { retentionYears: 10, reportRetentionDays: 7, version: 1 },
    ]);
  });

  it('announces the current settings again at start: the same event, sent again', async () => {
    const created = await h.call('POST', '/api/v1/tenants', {
      token: rootToken,
      body: { slug: 'keep-again', name: 'Again', locale: 'fi', country: 'FI', retentionYears: 4 },
    });
    const db = h.gateway.app.get(DataSource);
    const rows = () =>
      db.query<{ event_id: string; published_at: Date | null }[]>(
        'SELECT event_id, published_at FROM gateway.outbox WHERE type = $1 AND tenant_id = $2',
        [TENANT_SETTINGS_CHANGED_V1, idOf(created)],
      );
    const [first] = await rows();
    await db.query('UPDATE gateway.outbox SET published_at = now() WHERE event_id = $1', [
      first.event_id,
    ]);
    await h.gateway.app.get(StationAnnouncer).announce();
    expect(await rows()).toEqual([{ event_id: first.event_id, published_at: null }]);
    // Lost from the outbox (cleaned up after its retention): written again, with the same id.
    await db.query('DELETE FROM gateway.outbox WHERE event_id = $1', [first.event_id]);
    await h.gateway.app.get(StationAnnouncer).announce();
    expect((await rows()).map((r) => r.event_id)).toEqual([first.event_id]);
  });

  it('keeps report files 7 days by default, and announces a change of reportRetentionDays with a newer version', async () => {
    const created = await h.call('POST', '/api/v1/tenants', {
      token: rootToken,
      body: { slug: 'reports-kept', name: 'Reports', locale: 'pl', country: 'PL' },
    });
    expect(created.body.reportRetentionDays).toBe(7);
    const id = idOf(created);
    const changed = await h.call('PATCH', `/api/v1/tenants/${id}`, {
      token: rootToken,
      body: { reportRetentionDays: 30 },
    });
    expect(changed.body).toMatchObject({ reportRetentionDays: 30, retentionYears: null });
    // The same value again announces nothing.
    await h.call('PATCH', `/api/v1/tenants/${id}`, {
      token: rootToken,
      body: { reportRetentionDays: 30 },
    });
    expect(await announcements(id)).toEqual([
      { retentionYears: null, reportRetentionDays: 7, version: 1 },
      { retentionYears: null, reportRetentionDays: 30, version: 2 },
    ]);
    const withIt = await h.call('POST', '/api/v1/tenants', {
      token: rootToken,
      body: {
        slug: 'reports-one',
        name: 'One',
        locale: 'pl',
        country: 'PL',
        reportRetentionDays: 1,
      },
    });
    expect(await announcements(idOf(withIt))).toEqual([
      { retentionYears: null, reportRetentionDays: 1, version: 1 },
    ]);
    for (const reportRetentionDays of [0, 366, 2.5, '7', null]) {
      const reply = await h.call('PATCH', `/api/v1/tenants/${id}`, {
        token: rootToken,
        body: { reportRetentionDays },
      });
      expect(reply.status).toBe(422);
      expect(reply.body.errors[0].field).toBe('reportRetentionDays');
    }
  });

  it('refuses a value out of 1–30 years with a 422 naming retentionYears, and admins (403)', async () => {
    for (const retentionYears of [0, 31, 2.5, '5']) {
      const reply = await h.call('PATCH', `/api/v1/tenants/${a.tenantId}`, {
        token: rootToken,
        body: { retentionYears },
      });
      expect(reply.status).toBe(422);
      expect(reply.body.errors[0].field).toBe('retentionYears');
    }
    const admin = await h.call('PATCH', `/api/v1/tenants/${a.tenantId}`, {
      token: a.adminToken,
      body: { retentionYears: 5 },
    });
    expect(admin.status).toBe(403);
    expect(await announcements(a.tenantId)).toEqual([
      { retentionYears: null, reportRetentionDays: 7, version: 1 },
    ]);
  });
});
