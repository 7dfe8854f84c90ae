import { createServiceDataSource } from '@kanta/database';
import { gatewaySchema } from '../src/database/schema';
import { TenantTimeZone1764200000000 } from '../src/database/migrations/1764200000000-tenant-time-zone';
import { isTimeZone } from '../src/identity/time-zone';
import { bootGateway, fieldsOf, idOf, PASSWORD, ROOT_EMAIL, type Harness } from './gateway-harness';

let h: Harness;
let rootToken: string;

beforeAll(async () => {
  h = await bootGateway('timezone');
  rootToken = await h.login(ROOT_EMAIL);
});
afterAll(async () => h?.close());

const createTenant = (body: Record<string, unknown>) =>
  h.call('POST', '/api/v1/tenants', {
    token: rootToken,
    body: { name: `Tenant ${String(body.slug)}`, locale: 'en', ...body },
  });

describe('a tenant’s time zone', () => {
  it.each([
    ['FI', 'Europe/Helsinki'],
    ['PL', 'Europe/Warsaw'],
    ['FR', 'Europe/Paris'],
    ['UA', 'Europe/Kyiv'],
    ['SE', 'UTC'],
  ])('defaults from the country %s to %s', async (country, zone) => {
    const reply = await createTenant({ slug: `tz-default-${country.toLowerCase()}`, country });
    expect(reply.status).toBe(201);
    expect(reply.body.timeZone).toBe(zone);
  });

  it('takes an explicit IANA zone on create and on update, and shows it in /me', async () => {
    const created = await createTenant({
      slug: 'tz-explicit',
      country: 'FI',
      timeZone: 'America/New_York',
    });
    expect(created.body.timeZone).toBe('America/New_York');
    const updated = await h.call('PATCH', `/api/v1/tenants/${idOf(created)}`, {
      token: rootToken,
      body: { timeZone: 'Europe/Kyiv' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.timeZone).toBe('Europe/Kyiv');

    const email = 'admin@tz-explicit.test';
    await h.call('POST', '/api/v1/users', {
      token: rootToken,
      body: { email, password: PASSWORD, role: 'admin', tenantId: idOf(created) },
    });
    const me = await h.call('GET', '/api/v1/me', { token: await h.login(email) });
    expect(me.body.tenant.timeZone).toBe('Europe/Kyiv');
  });

  it.each([
    ['an unknown zone', 'Mars/Olympus_Mons'],
    ['a lower-case spelling', 'europe/helsinki'],
    ['an offset instead of a zone', '+02:00'],
    ['a number', 2],
    ['an empty string', ''],
  ])('refuses %s with a 422 on timeZone', async (_what, timeZone) => {
    const create = await createTenant({ slug: 'tz-bad', country: 'FI', timeZone });
    expect(create.status).toBe(422);
    expect(create.headers.get('content-type')).toContain('application/problem+json');
    expect(fieldsOf(create)).toEqual(['timeZone']);
    const existing = await createTenant({
      slug: `tz-ok-${Math.random().toString(36).slice(2, 8)}`,
      country: 'FI',
    });
    const update = await h.call('PATCH', `/api/v1/tenants/${idOf(existing)}`, {
      token: rootToken,
      body: { timeZone },
    });
    expect(update.status).toBe(422);
    expect(fieldsOf(update)).toEqual(['timeZone']);
  });

  it('accepts every zone Intl lists, UTC, and current names of listed zones', () => {
    expect(Intl.supportedValuesOf('timeZone').every(isTimeZone)).toBe(true);
    expect(['UTC', 'Europe/Kyiv', 'Etc/UTC'].every(isTimeZone)).toBe(true);
  });

  it('is backfilled from the country for tenants that existed before the migration', async () => {
    // As migrations run: as the owner of the schema (the gateway's own role may not alter it).
    const owner = createServiceDataSource({
      ...gatewaySchema,
      settings: h.db.owner('gateway'),
      poolSize: 1,
    });
    await owner.initialize();
    const runner = owner.createQueryRunner();
    try {
      const ids = {
        fi: '00000000-0000-7000-8000-00000000f100',
        ua: '00000000-0000-7000-8000-00000000f200',
        de: '00000000-0000-7000-8000-00000000f300',
      };
      const migration = new TenantTimeZone1764200000000();
      await runner.startTransaction();
      await migration.down(runner);
      for (const [country, id] of Object.entries(ids)) {
        await runner.query(
          `INSERT INTO gateway.tenants (id, slug, name, locale, country) VALUES ($1, $2, 'x', 'en', $3)`,
          [id, `tz-old-${country}`, country.toUpperCase()],
        );
      }
      await migration.up(runner);
      const rows = await runner.manager.query<{ id: string; time_zone: string }[]>(
        `SELECT id, time_zone FROM gateway.tenants WHERE id = ANY($1) ORDER BY id`,
        [Object.values(ids)],
      );
      expect(rows.map((r) => r.time_zone)).toEqual(['Europe/Helsinki', 'Europe/Kyiv', 'UTC']);
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
      await owner.destroy();
    }
  });
});
