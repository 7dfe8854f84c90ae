import { randomUUID } from 'node:crypto';
import {
  CUSTOMER_UPDATED_V1,
  ERASURE_COMPLETED_V1,
  ERASURE_PARTICIPANTS,
  ERASURE_REQUESTED_V1,
  PRIVACY,
  type CallerContext,
  type EraseCustomerCommand,
  type ErasureParticipant,
} from '@kanta/contracts';
import { insertDeadLetter } from '@kanta/messaging';
import { commandFor, eventuallyPasses, problemOf } from '@kanta/testing';
import { Erasures } from '../src/erasures/erasures.service';
import { startPrivacy, type PrivacyHarness } from './privacy-harness';

/*
 * The privacy service on a database and broker names of its own: it learns customers from
 * customer events, records erasures and announces them, and completes them from the
 * participants' answers, published here as the participants publish them.
 */
describe('privacy service: erasures (real Postgres and RabbitMQ)', () => {
  let h: PrivacyHarness;
  let admin: CallerContext;
  let otherTenant: CallerContext;

  beforeAll(async () => {
    h = await startPrivacy('erasures');
    ({ admin, otherTenant } = h);
  });

  afterAll(async () => {
    await h?.close();
  });

  const knownCustomer = () => h.knownCustomer();
  const erase = (
    context: CallerContext,
    data: EraseCustomerCommand,
    options: { key?: string } = {},
  ) =>
    h.app.get(Erasures).request(context, data, commandFor(PRIVACY.erase, context, data, options));

  const requestsOf = (erasureId: string) =>
    h.dataSource.query<{ envelope: { payload: { customerId: string } } }[]>(
      `SELECT envelope FROM privacy.outbox WHERE type = $1 AND envelope->'payload'->>'erasureId' = $2`,
      [ERASURE_REQUESTED_V1, erasureId],
    );

  const answer = (
    erasureId: string,
    customerId: string,
    participant: ErasureParticipant,
    counts: Record<string, number> = { rows: 1 },
  ) =>
    h.publish(ERASURE_COMPLETED_V1, {
      erasureId,
      customerId,
      participant,
      counts,
      completedAt: new Date().toISOString(),
    });

  it('records the request with the user and reason, announces it with ids only, and completes when every participant has answered', async () => {
    const { customerId, customerNumber } = await knownCustomer();
    const erasure = await erase(admin, {
      customerId,
      erase: { reason: 'customer_request', confirmCustomerNumber: customerNumber },
    });
    expect(erasure).toMatchObject({
      customerId,
      reason: 'customer_request',
      status: 'pending',
      requestedBy: admin.userId,
      completedAt: null,
    });
    expect(erasure.confirmations.map((c) => [c.service, c.status]).sort()).toEqual(
      [...ERASURE_PARTICIPANTS].sort().map((p) => [p, 'pending']),
    );
    const requests = await requestsOf(erasure.id);
    expect(requests).toHaveLength(1);
    expect(requests[0].envelope.payload).toEqual({
      erasureId: erasure.id,
      customerId,
      requestedAt: erasure.requestedAt,
      mergedCustomerIds: [],
    });

    const [last, ...first] = ERASURE_PARTICIPANTS;
    for (const participant of first) await answer(erasure.id, customerId, participant);
    await eventuallyPasses(async () => {
      const receipt = await h.app.get(Erasures).get(admin, erasure.id);
      expect(receipt.confirmations.filter((c) => c.status === 'completed')).toHaveLength(
        first.length,
      );
    });
    expect((await h.app.get(Erasures).get(admin, erasure.id)).status).toBe('pending');

    await answer(erasure.id, customerId, last, { visits: 12, sales: 3 });
    await eventuallyPasses(async () => {
      const receipt = await h.app.get(Erasures).get(admin, erasure.id);
      expect(receipt.status).toBe('completed');
      expect(receipt.completedAt).not.toBeNull();
      expect(receipt.confirmations.find((c) => c.service === last)).toMatchObject({
        status: 'completed',
        counts: { visits: 12, sales: 3 },
      });
    });
  });

  it("refuses a second erasure of the customer (409), and a number that is not the customer's (422 naming the field)", async () => {
    const { customerId, customerNumber } = await knownCustomer();
    const wrong = await problemOf(
      erase(admin, {
        customerId,
        erase: { reason: 'customer_request', confirmCustomerNumber: 'X1' },
      }),
    );
    expect(wrong.status).toBe(422);
    expect(wrong.errors?.[0]).toMatchObject({ field: 'confirmCustomerNumber', reason: 'mismatch' });
    const erasure = await erase(admin, {
      customerId,
      erase: { reason: 'no_longer_needed', confirmCustomerNumber: customerNumber },
    });
    const again = await problemOf(
      erase(admin, {
        customerId,
        erase: { reason: 'no_longer_needed', confirmCustomerNumber: customerNumber },
      }),
    );
    expect(again).toMatchObject({ status: 409 });
    expect(again.type).toContain('customer-erased');
    expect(again.detail).toContain(erasure.id);
    expect(await requestsOf(erasure.id)).toHaveLength(1);
  });

  it('refuses to erase a customer the customers service reports erased', async () => {
    const { customerId, customerNumber } = await knownCustomer();
    await h.publish(CUSTOMER_UPDATED_V1, {
      customerId,
      customerNumber,
      status: 'erased',
      stationIds: [h.station],
      version: 2,
      changedFields: ['status'],
    });
    await eventuallyPasses(async () => {
      const [row] = await h.dataSource.query<{ status: string }[]>(
        'SELECT status FROM privacy.known_customers WHERE customer_id = $1',
        [customerId],
      );
      expect(row.status).toBe('erased');
    });
    const problem = await problemOf(
      erase(admin, {
        customerId,
        erase: { reason: 'customer_request', confirmCustomerNumber: customerNumber },
      }),
    );
    expect(problem.status).toBe(409);
    expect(problem.type).toContain('customer-erased');
    expect(
      await h.dataSource.query('SELECT 1 FROM privacy.erasures WHERE customer_id = $1', [
        customerId,
      ]),
    ).toEqual([]);
  });

  it('deletes its own dead letters naming the customer when the erasure begins', async () => {
    const { customerId, customerNumber } = await knownCustomer();
    await insertDeadLetter(h.dataSource, 'privacy', {
      tenantId: h.tenantId,
      consumer: 'privacy',
      reason: 'handler-failed',
      eventId: randomUUID(),
      eventType: 'vehicles.visit.recorded.v1',
      routingKey: 'vehicles.visit.recorded.v1',
      lastError: 'database down',
      attempts: 5,
      body: Buffer.from(JSON.stringify({ payload: { customerId, consents: { note: 'x' } } })),
      properties: {},
    });
    const named = () =>
      h.dataSource.query<unknown[]>(
        "SELECT 1 FROM privacy.dead_letters WHERE position(convert_to($1, 'UTF8') IN body) > 0",
        [customerId],
      );
    expect(await named()).toHaveLength(1);
    await erase(admin, {
      customerId,
      erase: { reason: 'customer_request', confirmCustomerNumber: customerNumber },
    });
    expect(await named()).toEqual([]);
  });

  it("answers another tenant's customer and erasure as not found", async () => {
    const { customerId, customerNumber } = await knownCustomer();
    const data = {
      customerId,
      erase: { reason: 'customer_request' as const, confirmCustomerNumber: customerNumber },
    };
    expect((await problemOf(erase(otherTenant, data))).status).toBe(404);
    const erasure = await erase(admin, data);
    expect((await problemOf(h.app.get(Erasures).get(otherTenant, erasure.id))).status).toBe(404);
    expect((await problemOf(h.app.get(Erasures).get(admin, 'not-an-id'))).status).toBe(404);
  });

  it('runs a request once: the same command again answers the same erasure, and two at once make one', async () => {
    const { customerId, customerNumber } = await knownCustomer();
    const data = {
      customerId,
      erase: { reason: 'customer_request' as const, confirmCustomerNumber: customerNumber },
    };
    const command = commandFor(PRIVACY.erase, admin, data);
    const [a, b] = await Promise.all([
      h.app.get(Erasures).request(admin, data, command),
      h.app.get(Erasures).request(admin, data, command),
    ]);
    expect(a.id).toBe(b.id);
    const rows = await h.dataSource.query<unknown[]>(
      'SELECT 1 FROM privacy.erasures WHERE customer_id = $1',
      [customerId],
    );
    expect(rows).toHaveLength(1);
  });

  it('asks again only the participants that have not answered, and refuses a retry of a completed erasure', async () => {
    const { customerId, customerNumber } = await knownCustomer();
    const erasure = await erase(admin, {
      customerId,
      erase: { reason: 'customer_request', confirmCustomerNumber: customerNumber },
    });
    for (const participant of ERASURE_PARTICIPANTS.filter((p) => p !== 'vehicles')) {
      await answer(erasure.id, customerId, participant);
    }
    await eventuallyPasses(async () => {
      const receipt = await h.app.get(Erasures).get(admin, erasure.id);
      expect(receipt.confirmations.filter((c) => c.status === 'pending')).toHaveLength(1);
    });
    const retry = (key: string) =>
      h.app
        .get(Erasures)
        .retry(
          admin,
          erasure.id,
          commandFor(PRIVACY.retryErasure, admin, { id: erasure.id }, { key }),
        );
    await retry('retry-1');
    expect(await requestsOf(erasure.id)).toHaveLength(2);
    await answer(erasure.id, customerId, 'vehicles');
    // A late second answer of one that confirmed already changes nothing.
    await answer(erasure.id, customerId, 'customers', { rows: 99 });
    await eventuallyPasses(async () => {
      expect((await h.app.get(Erasures).get(admin, erasure.id)).status).toBe('completed');
    });
    const receipt = await h.app.get(Erasures).get(admin, erasure.id);
    expect(receipt.confirmations.find((c) => c.service === 'customers')?.counts).toEqual({
      rows: 1,
    });
    const refused = await problemOf(retry('retry-2'));
    expect(refused.status).toBe(409);
    expect(refused.type).toContain('erasure-completed');
  });
});
