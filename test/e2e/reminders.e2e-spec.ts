import type { CustomerView, ReminderPage, ReminderView } from '@kanta/contracts';
import type { KantaApi } from '@kanta/local';
import {
  createTenant,
  expectProblem,
  publishedEvent,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(90_000);

const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();
const UNKNOWN_ID = '0190a000-0000-7000-8000-00000000dead';

/*
 * Reminders through the gateway: every endpoint, every piece of bad input, other tenants and
 * other stations, and a reminder falling due with its event on the broker.
 */
describe('reminders (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  /** At the first (North) station, where `fi.worker` works; `fi.otherWorker` works at South. */
  let customer: CustomerView;
  let reminder: ReminderView;
  const userIds = new Map<KantaApi, string>();

  const userIdOf = async (api: KantaApi): Promise<string> => {
    if (!userIds.has(api)) {
      userIds.set(
        api,
        (await api.expect<{ user: { id: string } }>(200, 'GET', '/api/v1/me')).user.id,
      );
    }
    return userIds.get(api) as string;
  };

  beforeAll(async () => {
    e2e = await startE2eSystem('reminders');
    fi = await createTenant(e2e, 'rem-fi');
    pl = await createTenant(e2e, 'rem-pl', 'PL', 'pl');
    customer = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Muistutus',
      lastName: 'Asiakas',
      stationIds: [fi.stationIds[0]],
    });
    reminder = await fi.worker.expect<ReminderView>(
      201,
      'POST',
      `/api/v1/customers/${customer.id}/reminders`,
      { dueAt: '2027-12-01T09:00', comment: 'Call about the maintenance' },
    );
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  describe('the endpoints', () => {
    it('creates for the caller by default, in the tenant’s zone, with Location and ETag', async () => {
      const created = await fi.worker.request<ReminderView>(
        'POST',
        `/api/v1/customers/${customer.id}/reminders`,
        { dueAt: '2027-06-01T09:00', comment: 'Order the part' },
      );
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe(`/api/v1/reminders/${created.body.id}`);
      expect(created.headers.get('etag')).toBe('"1"');
      expect(created.body).toMatchObject({
        customerId: customer.id,
        assigneeUserId: await userIdOf(fi.worker),
        createdBy: await userIdOf(fi.worker),
        dueAt: '2027-06-01T06:00:00.000Z',
        dueAtLocal: '2027-06-01T09:00:00+03:00',
        timeZone: 'Europe/Helsinki',
        status: 'upcoming',
      });
      const read = await fi.worker.request<ReminderView>(
        'GET',
        `/api/v1/reminders/${created.body.id}`,
      );
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe('"1"');
      expect(read.body).toEqual(created.body);
    });

    it('shows a Polish tenant’s reminders in Warsaw time', async () => {
      const plCustomer = await pl.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
        firstName: 'Jan',
        lastName: 'Nowak',
      });
      const plReminder = await pl.admin.expect<ReminderView>(
        201,
        'POST',
        `/api/v1/customers/${plCustomer.id}/reminders`,
        { dueAt: '2027-01-10T08:00', comment: 'Zadzwonić' },
      );
      expect(plReminder).toMatchObject({
        dueAt: '2027-01-10T07:00:00.000Z',
        dueAtLocal: '2027-01-10T08:00:00+01:00',
        timeZone: 'Europe/Warsaw',
      });
    });

    it('assigns to a colleague, lists by assignee and status, reschedules, closes and deletes', async () => {
      const admin = await userIdOf(fi.admin);
      const forAdmin = await fi.worker.expect<ReminderView>(
        201,
        'POST',
        `/api/v1/customers/${customer.id}/reminders`,
        { dueAt: inMs(3600_000), comment: 'For the boss', assigneeUserId: admin },
      );
      expect(forAdmin.assigneeUserId).toBe(admin);
      const adminsUpcoming = await fi.admin.expect<ReminderPage>(
        200,
        'GET',
        '/api/v1/reminders?assignee=me&status=upcoming',
      );
      expect(adminsUpcoming.items.map((r) => r.id)).toEqual([forAdmin.id]);
      const ofCustomer = await fi.worker.expect<ReminderPage>(
        200,
        'GET',
        `/api/v1/customers/${customer.id}/reminders?limit=100`,
      );
      expect(ofCustomer.items.map((r) => r.id)).toEqual(
        expect.arrayContaining([reminder.id, forAdmin.id]),
      );

      const moved = await fi.admin.request<ReminderView>(
        'PATCH',
        `/api/v1/reminders/${forAdmin.id}`,
        { dueAt: '2027-02-01T10:00' },
        { 'if-match': '"1"' },
      );
      expect(moved.status).toBe(200);
      expect(moved.headers.get('etag')).toBe('"2"');
      expect(moved.body).toMatchObject({
        dueAtLocal: '2027-02-01T10:00:00+02:00',
        status: 'upcoming',
      });
      const stale = await fi.admin.request(
        'PATCH',
        `/api/v1/reminders/${forAdmin.id}`,
        { done: true },
        {
          'if-match': '"1"',
        },
      );
      expectProblem(stale, 412);

      const done = await fi.admin.expect<ReminderView>(
        200,
        'PATCH',
        `/api/v1/reminders/${forAdmin.id}`,
        {
          done: true,
        },
      );
      expect(done.status).toBe('done');
      const adminsDone = await fi.admin.expect<ReminderPage>(
        200,
        'GET',
        `/api/v1/reminders?assignee=${admin}&status=done`,
      );
      expect(adminsDone.items.map((r) => r.id)).toEqual([forAdmin.id]);

      const deleted = await fi.admin.request('DELETE', `/api/v1/reminders/${forAdmin.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBe('');
      expectProblem(await fi.admin.request('GET', `/api/v1/reminders/${forAdmin.id}`), 404);
      expectProblem(await fi.admin.request('DELETE', `/api/v1/reminders/${forAdmin.id}`), 404);
    });

    it('makes a reminder due through its job and publishes customers.reminder.due.v1 without the comment', async () => {
      const { result: soon, message } = await publishedEvent(
        e2e,
        'customers.reminder.due.v1',
        () =>
          fi.worker.expect<ReminderView>(
            201,
            'POST',
            `/api/v1/customers/${customer.id}/reminders`,
            {
              dueAt: inMs(1500),
              comment: 'Secret words about Muistutus',
            },
          ),
        (text, created) => text.includes(created.id),
      );
      expect(JSON.parse(message)).toMatchObject({
        type: 'customers.reminder.due.v1',
        tenantId: fi.tenantId,
        producer: 'customers',
        payload: {
          reminderId: soon.id,
          customerId: customer.id,
          assigneeUserId: await userIdOf(fi.worker),
          dueAt: soon.dueAt,
        },
      });
      expect(message).not.toContain('Secret');
      const due = await fi.worker.expect<ReminderPage>(
        200,
        'GET',
        '/api/v1/reminders?assignee=me&status=due',
      );
      expect(due.items.map((r) => r.id)).toContain(soon.id);
      expect(due.items.find((r) => r.id === soon.id)?.becameDueAt).not.toBeNull();
    });

    it('keeps reminder comments out of the services’ logs', () => {
      expect(e2e.logs.join('\n')).not.toMatch(
        /Secret words|Call about the maintenance|For the boss/,
      );
    });

    it('describes the endpoints in the OpenAPI document', async () => {
      const doc = await e2e.api.expect<{ paths: Record<string, Record<string, unknown>> }>(
        200,
        'GET',
        '/api/docs-json',
      );
      expect(Object.keys(doc.paths['/api/v1/customers/{id}/reminders']).sort()).toEqual([
        'get',
        'post',
      ]);
      expect(Object.keys(doc.paths['/api/v1/reminders/{id}']).sort()).toEqual([
        'delete',
        'get',
        'patch',
      ]);
      expect(Object.keys(doc.paths['/api/v1/reminders'])).toEqual(['get']);
    });
  });

  describe('bad input, one row per mistake', () => {
    const post = (body: unknown, customerId = customer.id) =>
      fi.worker.request('POST', `/api/v1/customers/${customerId}/reminders`, body);
    const valid = { dueAt: '2027-12-01T09:00', comment: 'ok' };

    it.each([
      ['no dueAt', { comment: 'x' }, 'dueAt', 'required'],
      ['a dueAt that is not text', { ...valid, dueAt: 20271201 }, 'dueAt', 'invalid_type'],
      ['a dueAt that is not a date', { ...valid, dueAt: 'tomorrow' }, 'dueAt', 'invalid_format'],
      ['a date without a time', { ...valid, dueAt: '2027-12-01' }, 'dueAt', 'invalid_format'],
      [
        'a day that does not exist',
        { ...valid, dueAt: '2027-02-30T09:00' },
        'dueAt',
        'invalid_format',
      ],
      [
        'an hour that does not exist',
        { ...valid, dueAt: '2027-12-01T25:00' },
        'dueAt',
        'invalid_format',
      ],
      [
        'a dueAt an hour ago',
        { ...valid, dueAt: new Date(Date.now() - 3600_000).toISOString() },
        'dueAt',
        'in_the_past',
      ],
      ['a dueAt in 2040', { ...valid, dueAt: '2040-01-01T09:00' }, 'dueAt', 'too_far_ahead'],
      ['no comment', { dueAt: valid.dueAt }, 'comment', 'required'],
      ['a blank comment', { ...valid, comment: '   ' }, 'comment', 'required'],
      ['a comment that is not text', { ...valid, comment: 5 }, 'comment', 'invalid_type'],
      [
        'a comment over 1000 characters',
        { ...valid, comment: 'x'.repeat(1001) },
        'comment',
        'too_long',
      ],
      [
        'an assignee that is no id',
        { ...valid, assigneeUserId: 'bob' },
        'assigneeUserId',
        'invalid_format',
      ],
      [
        'an assignee set to null',
        { ...valid, assigneeUserId: null },
        'assigneeUserId',
        'invalid_type',
      ],
      [
        'an unknown assignee',
        { ...valid, assigneeUserId: UNKNOWN_ID },
        'assigneeUserId',
        'unknown_user',
      ],
      ['an unknown field', { ...valid, priority: 'high' }, 'priority', 'unknown_field'],
    ])('POST with %s is a 422 on the field', async (_what, body, field, reason) => {
      expectProblem(await post(body), 422, field, reason);
    });

    it('POST for a user of another tenant, or one who cannot see the customer, is a 422', async () => {
      expectProblem(
        await post({ ...valid, assigneeUserId: await userIdOf(pl.admin) }),
        422,
        'assigneeUserId',
        'unknown_user',
      );
      expectProblem(
        await post({ ...valid, assigneeUserId: await userIdOf(fi.otherWorker) }),
        422,
        'assigneeUserId',
        'cannot_see_customer',
      );
    });

    it('POST on a customer id that is no UUID, or unknown, is a 404; a body that is not JSON a 400', async () => {
      expectProblem(await post(valid, 'nope'), 404);
      expectProblem(await post(valid, UNKNOWN_ID), 404);
      expectProblem(await post('{"dueAt":'), 400);
    });

    it.each([
      ['an empty patch', {}, '', 'empty_patch'],
      ['done that is no boolean', { done: 'yes' }, 'done', 'invalid_type'],
      ['a bad dueAt', { dueAt: '01.12.2027 09:00' }, 'dueAt', 'invalid_format'],
      ['a dueAt in the past', { dueAt: '2020-01-01T09:00Z' }, 'dueAt', 'in_the_past'],
      ['a comment set to null', { comment: null }, 'comment', 'invalid_type'],
      ['a comment over 1000 characters', { comment: 'x'.repeat(1001) }, 'comment', 'too_long'],
      ['an unknown assignee', { assigneeUserId: UNKNOWN_ID }, 'assigneeUserId', 'unknown_user'],
      ['an unknown field', { status: 'done' }, 'status', 'unknown_field'],
    ])('PATCH with %s is a 422 on the field', async (_what, body, field, reason) => {
      expectProblem(
        await fi.worker.request('PATCH', `/api/v1/reminders/${reminder.id}`, body),
        422,
        field,
        reason,
      );
    });

    it('PATCH with a malformed If-Match is a 400, on an id that is no UUID a 404', async () => {
      expectProblem(
        await fi.worker.request(
          'PATCH',
          `/api/v1/reminders/${reminder.id}`,
          { done: true },
          { 'if-match': 'v1' },
        ),
        400,
        'If-Match',
      );
      expectProblem(
        await fi.worker.request('PATCH', '/api/v1/reminders/nope', { done: true }),
        404,
      );
      expectProblem(await fi.worker.request('GET', '/api/v1/reminders/nope'), 404);
      expectProblem(await fi.worker.request('DELETE', '/api/v1/reminders/nope'), 404);
      // None of it changed the reminder.
      const still = await fi.worker.expect<ReminderView>(
        200,
        'GET',
        `/api/v1/reminders/${reminder.id}`,
      );
      expect(still).toMatchObject({
        version: 1,
        status: 'upcoming',
        comment: 'Call about the maintenance',
      });
    });

    it.each([
      ['an unknown status', 'status=overdue', 'status', 'not_allowed'],
      ['an assignee that is no id', 'assignee=bob', 'assignee', 'invalid_format'],
      ['an unknown assignee', `assignee=${UNKNOWN_ID}`, 'assignee', 'unknown_user'],
      ['a customerId that is no id', 'customerId=nope', 'customerId', 'invalid_format'],
      ['a limit of 0', 'limit=0', 'limit', 'too_small'],
      ['a limit over 100', 'limit=101', 'limit', 'too_large'],
      ['a limit that is no number', 'limit=many', 'limit', 'invalid_type'],
      ['a cursor it did not issue', 'cursor=bm9wZQ', 'cursor', 'invalid_format'],
      ['an unknown parameter', 'sort=name', 'sort', 'unknown_field'],
    ])('GET /reminders with %s is a 422 on the parameter', async (_what, query, field, reason) => {
      expectProblem(
        await fi.worker.request('GET', `/api/v1/reminders?${query}`),
        422,
        field,
        reason,
      );
    });

    it('GET of a customer’s reminders checks its parameters the same way', async () => {
      expectProblem(
        await fi.worker.request('GET', `/api/v1/customers/${customer.id}/reminders?status=late`),
        422,
        'status',
        'not_allowed',
      );
      expectProblem(await fi.worker.request('GET', '/api/v1/customers/nope/reminders'), 404);
    });
  });

  describe('other tenants and other stations', () => {
    it('answers another tenant 404 on every endpoint, and lets it name none of our users', async () => {
      for (const caller of [pl.admin, pl.worker]) {
        expectProblem(
          await caller.request('POST', `/api/v1/customers/${customer.id}/reminders`, {
            dueAt: '2027-12-01T09:00',
            comment: 'x',
          }),
          404,
        );
        expectProblem(
          await caller.request('GET', `/api/v1/customers/${customer.id}/reminders`),
          404,
        );
        expectProblem(
          await caller.request('GET', `/api/v1/reminders?customerId=${customer.id}`),
          404,
        );
        expectProblem(await caller.request('GET', `/api/v1/reminders/${reminder.id}`), 404);
        expectProblem(
          await caller.request('PATCH', `/api/v1/reminders/${reminder.id}`, { done: true }),
          404,
        );
        expectProblem(await caller.request('DELETE', `/api/v1/reminders/${reminder.id}`), 404);
        expectProblem(
          await caller.request('GET', `/api/v1/reminders?assignee=${await userIdOf(fi.worker)}`),
          422,
          'assignee',
          'unknown_user',
        );
        const theirs = await caller.expect<ReminderPage>(200, 'GET', '/api/v1/reminders?limit=100');
        expect(theirs.items.map((r) => r.customerId)).not.toContain(customer.id);
      }
      const still = await fi.worker.expect<ReminderView>(
        200,
        'GET',
        `/api/v1/reminders/${reminder.id}`,
      );
      expect(still).toMatchObject({ version: 1, status: 'upcoming' });
    });

    it('answers a worker of another station 404, like another tenant', async () => {
      const other = fi.otherWorker;
      expectProblem(await other.request('GET', `/api/v1/reminders/${reminder.id}`), 404);
      expectProblem(
        await other.request('PATCH', `/api/v1/reminders/${reminder.id}`, { done: true }),
        404,
      );
      expectProblem(await other.request('DELETE', `/api/v1/reminders/${reminder.id}`), 404);
      expectProblem(await other.request('GET', `/api/v1/customers/${customer.id}/reminders`), 404);
      expectProblem(
        await other.request('POST', `/api/v1/customers/${customer.id}/reminders`, {
          dueAt: '2027-12-01T09:00',
          comment: 'x',
        }),
        404,
      );
      const list = await other.expect<ReminderPage>(200, 'GET', '/api/v1/reminders?limit=100');
      expect(list.items.map((r) => r.customerId)).not.toContain(customer.id);
      // The admin sees the whole tenant.
      await fi.admin.expect(200, 'GET', `/api/v1/reminders/${reminder.id}`);
    });

    it('answers 403 to a superadmin, who acts outside any tenant', async () => {
      expectProblem(await e2e.superadmin.request('GET', '/api/v1/reminders'), 403);
      expectProblem(await e2e.superadmin.request('GET', `/api/v1/reminders/${reminder.id}`), 403);
      expectProblem(
        await e2e.superadmin.request('POST', `/api/v1/customers/${customer.id}/reminders`, {
          dueAt: '2027-12-01T09:00',
          comment: 'x',
        }),
        403,
      );
    });
  });
});
