import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { DeadLetterDetail, DeadLetterPage, DeadLetterView } from '@kanta/contracts';
import { eventually } from '@kanta/testing';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(120_000);

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const PHONE = '+358401239901';

describe('dead letters through the API (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  const invalid = randomUUID();
  const unknownVersion = randomUUID();
  const plInvalid = randomUUID();

  /** A booking whose station is no UUID: every consumer of bookings refuses it. */
  const badBooking = (eventId: string, tenantId: string, type = 'partner.booking.created.v1') => ({
    eventId,
    type,
    occurredAt: new Date().toISOString(),
    tenantId,
    producer: 'partner:e2e',
    correlationId: null,
    payload: {
      bookingId: `B-${eventId.slice(0, 8)}`,
      stationId: 'not-a-station',
      scheduledAt: '2026-12-01T09:00:00Z',
      channel: 'online_booking',
      customer: { firstName: 'Dead', lastName: 'Letter', phone: PHONE },
    },
  });

  const list = (who: TenantFixture['admin'], query = '') =>
    who.expect<DeadLetterPage>(200, 'GET', `/api/v1/dead-letters${query}`);

  beforeAll(async () => {
    e2e = await startE2eSystem('deadletters');
    fi = await createTenant(e2e, 'dl-fi');
    pl = await createTenant(e2e, 'dl-pl', 'PL', 'pl');
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    for (const event of [
      badBooking(invalid, fi.tenantId),
      // A version of a type bound exactly (customers binds consents.consent.recorded.v1):
      // unroutable, kept by the gateway.
      badBooking(unknownVersion, fi.tenantId, 'consents.consent.recorded.v2'),
      badBooking(plInvalid, pl.tenantId),
    ]) {
      channel.publish(e2e.eventsExchange, event.type, Buffer.from(JSON.stringify(event)), {
        persistent: true,
        messageId: event.eventId,
      });
    }
    await channel.waitForConfirms();
    await connection.close();
    // Three consumers refuse each booking; the gateway keeps the unknown version.
    await eventually(
      async () => ((await list(fi.admin)).items.length === 4 ? true : undefined),
      30_000,
    );
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  it("lists a tenant's dead letters from every service for its admin, with the reason and attempts, and no other tenant's", async () => {
    const { items } = await list(fi.admin);

    expect(items.map((i) => `${i.service}/${i.reason}/${i.eventId}`).sort()).toEqual(
      [
        `consents/invalid-message/${invalid}`,
        `customers/invalid-message/${invalid}`,
        `gateway/unroutable/${unknownVersion}`,
        `vehicles/invalid-message/${invalid}`,
      ].sort(),
    );
    expect(items.every((i) => i.tenantId === fi.tenantId && i.attempts === 0)).toBe(true);
    const refused = items.find((i) => i.service === 'vehicles')!;
    expect(refused.lastError).toContain('/stationId');
    expect(refused.lastError).not.toContain(PHONE);
    expect((await list(pl.admin)).items.map((i) => i.eventId)).toEqual([
      plInvalid,
      plInvalid,
      plInvalid,
    ]);
  });

  it("shows the superadmin every tenant's, the payload without personal fields", async () => {
    const { items } = await list(e2e.superadmin, `?tenantId=${pl.tenantId}`);
    expect(items).toHaveLength(3);
    const all = await list(e2e.superadmin, '?limit=100');
    expect(all.items.length).toBeGreaterThanOrEqual(7);

    const ofFi = all.items.find((i) => i.eventId === invalid && i.service === 'customers')!;
    const redacted = await e2e.superadmin.expect<DeadLetterDetail>(
      200,
      'GET',
      `/api/v1/dead-letters/customers/${ofFi.id}`,
    );
    expect(JSON.stringify(redacted)).not.toContain(PHONE);
    expect(redacted.envelope?.payload).toMatchObject({ customer: '[redacted]' });
    const full = await fi.admin.expect<DeadLetterDetail>(
      200,
      'GET',
      `/api/v1/dead-letters/customers/${ofFi.id}`,
    );
    expect(JSON.stringify(full.envelope)).toContain(PHONE);
  });

  it("answers 403 to a worker and 404 to another tenant's admin", async () => {
    expectProblem(await fi.worker.request('GET', '/api/v1/dead-letters'), 403);
    const [ofFi] = (await list(fi.admin, '?service=vehicles')).items;
    expectProblem(await pl.admin.request('GET', `/api/v1/dead-letters/vehicles/${ofFi.id}`), 404);
    expectProblem(
      await pl.admin.request('POST', `/api/v1/dead-letters/vehicles/${ofFi.id}/replay`),
      404,
    );
    expectProblem(
      await pl.admin.request('DELETE', `/api/v1/dead-letters/vehicles/${ofFi.id}`),
      404,
    );
    expectProblem(
      await fi.worker.request('POST', `/api/v1/dead-letters/vehicles/${ofFi.id}/replay`),
      403,
    );
    expectProblem(
      await fi.admin.request('GET', `/api/v1/dead-letters?tenantId=${pl.tenantId}`),
      403,
    );
  });

  it('filters by service, reason and type, and pages with a cursor', async () => {
    const unroutable = await list(fi.admin, '?reason=unroutable');
    expect(unroutable.items.map((i) => [i.service, i.type])).toEqual([
      ['gateway', 'consents.consent.recorded.v2'],
    ]);
    const ofType = await list(fi.admin, '?type=partner.booking.created.v1&service=consents');
    expect(ofType.items.map((i) => i.service)).toEqual(['consents']);
    expect((await list(fi.admin, '?from=2000-01-01&to=2000-01-02')).items).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: DeadLetterPage = await list(
        fi.admin,
        `?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(4);
  });

  it('refuses bad input with problem+json naming the field', async () => {
    const bad = async (query: string, field: string) =>
      expectProblem(await fi.admin.request('GET', `/api/v1/dead-letters${query}`), 422, field);
    await bad('?reason=lost', 'reason');
    await bad('?service=billing', 'service');
    await bad('?cursor=not-ours', 'cursor');
    await bad('?from=2026-02-01&to=2026-01-01', 'to');
    await bad('?from=yesterday', 'from');
    await bad('?limit=0', 'limit');
    await bad('?tenantId=nope', 'tenantId');
    await bad(`?type=${'x'.repeat(201)}`, 'type');
    expectProblem(
      await fi.admin.request('GET', `/api/v1/dead-letters/billing/${randomUUID()}`),
      404,
    );
    expectProblem(await fi.admin.request('GET', '/api/v1/dead-letters/vehicles/not-an-id'), 404);
    expectProblem(
      await fi.admin.request('GET', `/api/v1/dead-letters/vehicles/${randomUUID()}`),
      404,
    );
  });

  it('replays to the consumer that failed only, which refuses it again; purges for good', async () => {
    const before = (await list(fi.admin, '?limit=100')).items.filter((i) => i.eventId === invalid);
    const vehicles = before.find((i) => i.service === 'vehicles')!;
    const customers = before.find((i) => i.service === 'customers')!;

    const replayed = await fi.admin.expect<DeadLetterView>(
      200,
      'POST',
      `/api/v1/dead-letters/vehicles/${vehicles.id}/replay`,
    );
    expect(replayed.replays).toBe(1);
    // Refused again by the vehicles service (still invalid): the same dead letter, dead again.
    const again = await eventually(async () => {
      const row = await fi.admin.expect<DeadLetterDetail>(
        200,
        'GET',
        `/api/v1/dead-letters/vehicles/${vehicles.id}`,
      );
      return row.deadAt > vehicles.deadAt ? row : undefined;
    }, 15_000);
    expect(again).toMatchObject({ replays: 1, reason: 'invalid-message' });
    const untouched = await fi.admin.expect<DeadLetterDetail>(
      200,
      'GET',
      `/api/v1/dead-letters/customers/${customers.id}`,
    );
    expect(untouched.deadAt).toBe(customers.deadAt);

    const response = await fi.admin.request(
      'DELETE',
      `/api/v1/dead-letters/customers/${customers.id}`,
    );
    expect(response.status).toBe(204);
    expectProblem(
      await fi.admin.request('GET', `/api/v1/dead-letters/customers/${customers.id}`),
      404,
    );
  });
});
