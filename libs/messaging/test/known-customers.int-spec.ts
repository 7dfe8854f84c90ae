import { randomUUID } from 'node:crypto';
import { CUSTOMER_UPDATED_V1 } from '@kanta/contracts';
import {
  EventConsumer,
  KnownCustomers,
  knownCustomersMergedIntoUp,
  knownCustomersTableUp,
  type BrokerConnection,
  type CustomerFacts,
} from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import {
  SCHEMA,
  brokerConnection,
  createMessagingDatabase,
  customerCreated,
  openBrokerProbe,
  silentLogger,
  uniqueName,
  waitFor,
  type BrokerProbe,
  type MessagingDatabase,
} from './support';

jest.setTimeout(30_000);

describe('KnownCustomers: the customers projection every service keeps', () => {
  let database: MessagingDatabase;
  const known = new KnownCustomers(SCHEMA);
  const tenantId = randomUUID();
  const stationA = randomUUID();
  const stationB = randomUUID();

  beforeAll(async () => {
    database = await createMessagingDatabase('known-customers');
    for (const sql of [...knownCustomersTableUp(SCHEMA), ...knownCustomersMergedIntoUp(SCHEMA)]) {
      await database.dataSource.query(sql);
    }
  });
  afterAll(() => database.close());

  /** Applies batches in turn, each in a transaction of its own, as a consumer would. */
  const apply = async (...batches: CustomerFacts[][]): Promise<void> => {
    for (const batch of batches) {
      await database.dataSource.transaction((manager) =>
        known.remember(
          manager,
          batch.map((facts) => ({ tenantId, facts })),
        ),
      );
    }
  };
  const facts = (customerId: string, version: number, extra: Partial<CustomerFacts> = {}) => ({
    customerId,
    stationIds: [stationA],
    status: 'active' as const,
    version,
    ...extra,
  });
  const read = (customerId: string) => known.find(database.dataSource, tenantId, customerId);

  it('keeps the newest version whatever order the events come in, across batches and within one', async () => {
    const late = randomUUID();
    await apply(
      [facts(late, 3, { stationIds: [stationB], status: 'passive' })],
      [facts(late, 2, { stationIds: [stationA], status: 'active' })],
    );
    expect(await read(late)).toMatchObject({
      version: 3,
      stationIds: [stationB],
      status: 'passive',
    });

    const mixed = randomUUID();
    await apply([
      facts(mixed, 2, { stationIds: [stationA, stationB] }),
      facts(mixed, 1, { stationIds: [stationA] }),
    ]);
    expect(await read(mixed)).toMatchObject({ version: 2, stationIds: [stationA, stationB] });
  });

  it('keeps an erased customer erased, without addresses, whatever newer event comes after', async () => {
    const customerId = randomUUID();
    await apply([facts(customerId, 1, { hasEmail: true, hasPhone: true })]);
    // The service's own erasure marks it at once, without a version of the card.
    await database.dataSource.transaction((m) => known.markErased(m, tenantId, customerId));
    expect(
      await database.dataSource.transaction((m) => known.isErased(m, tenantId, customerId)),
    ).toBe(true);
    // An edit made before the erasure, delivered after it, in a batch and alone.
    await apply([facts(customerId, 2, { status: 'active', hasEmail: true, hasPhone: true })]);
    await apply([facts(customerId, 3, { status: 'passive', hasEmail: true })]);
    expect(await read(customerId)).toMatchObject({
      version: 3,
      status: 'erased',
      hasEmail: false,
      hasPhone: false,
    });
    // One never known is marked too, and an unknown one is not erased.
    const unknown = randomUUID();
    await database.dataSource.transaction((m) => known.markErased(m, tenantId, unknown));
    expect(await read(unknown)).toMatchObject({ status: 'erased', version: 0 });
    expect(
      await database.dataSource.transaction((m) => known.isErased(m, tenantId, randomUUID())),
    ).toBe(false);
  });

  it('keeps a merged customer merged, pointing at its survivor, whatever event comes until the undo', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await apply([facts(a, 1), facts(b, 1), facts(c, 1)]);
    const mark = (duplicate: string, survivor: string) =>
      database.dataSource.transaction((m) => known.markMerged(m, tenantId, duplicate, survivor));
    const survivorOf = (id: string) => known.survivorOf(database.dataSource, tenantId, id);
    await mark(a, b);
    expect(await read(a)).toMatchObject({ status: 'merged', mergedInto: b });
    // An edit in flight when it was merged does not make it active again.
    await apply([facts(a, 2, { status: 'active' })]);
    expect(await read(a)).toMatchObject({ version: 2, status: 'merged', mergedInto: b });
    // Chains resolve to their end; a customer not merged is its own survivor, so is an unknown.
    await mark(b, c);
    expect(await survivorOf(a)).toBe(c);
    expect(await survivorOf(b)).toBe(c);
    expect(await survivorOf(c)).toBe(c);
    const stranger = randomUUID();
    expect(await survivorOf(stranger)).toBe(stranger);
    // The undo makes it a customer of its own; a late `merged` event does not merge it again.
    await database.dataSource.transaction((m) => known.unmarkMerged(m, tenantId, b));
    expect(await read(b)).toMatchObject({ status: 'active', mergedInto: null });
    expect(await survivorOf(a)).toBe(b);
    await apply([facts(b, 2, { status: 'merged' })]);
    expect(await read(b)).toMatchObject({ version: 2, status: 'active', mergedInto: null });
    // Learnt first from a `merged` event, a customer stays active until the merge itself comes.
    const early = randomUUID();
    await apply([facts(early, 3, { status: 'merged' })]);
    expect(await read(early)).toMatchObject({ status: 'active', mergedInto: null });
    // An erased customer stays erased when a merge marks it (a merge never names one; a race).
    const erased = randomUUID();
    await database.dataSource.transaction((m) => known.markErased(m, tenantId, erased));
    await mark(erased, c);
    expect(await read(erased)).toMatchObject({ status: 'erased' });
  });

  it('takes a version at or below the stored one as changing nothing', async () => {
    const customerId = randomUUID();
    await apply([facts(customerId, 2, { stationIds: [stationA] })]);
    // The same version again with other facts: a redelivery, never a change.
    await apply([facts(customerId, 2, { stationIds: [stationB], status: 'passive' })]);
    expect(await read(customerId)).toMatchObject({
      version: 2,
      stationIds: [stationA],
      status: 'active',
    });
    // Within one batch, too: the first of equals.
    const twice = randomUUID();
    await apply([
      facts(twice, 1, { stationIds: [stationA] }),
      facts(twice, 1, { stationIds: [stationB] }),
    ]);
    expect(await read(twice)).toMatchObject({ stationIds: [stationA] });
  });

  it('replaces a customer remembered before its created event (version 0) with what the event says', async () => {
    const customerId = randomUUID();
    await apply([facts(customerId, 0, { stationIds: [stationA] })]);
    await apply([facts(customerId, 1, { stationIds: [stationB], hasEmail: true, hasPhone: true })]);
    expect(await read(customerId)).toMatchObject({
      version: 1,
      stationIds: [stationB],
      hasEmail: true,
      hasPhone: true,
    });
  });

  it('keeps whether an address is on file when a newer event leaves it out, in a batch as one by one', async () => {
    const customerId = randomUUID();
    await apply([facts(customerId, 1, { hasEmail: true, hasPhone: false })]);
    // An older producer's update says nothing of them: what is stored stands.
    await apply([facts(customerId, 2, { stationIds: [stationB] })]);
    expect(await read(customerId)).toMatchObject({
      version: 2,
      stationIds: [stationB],
      hasEmail: true,
      hasPhone: false,
    });
    // One batch: what its older event told stays when its newer one leaves it out …
    await apply([facts(customerId, 3, { hasEmail: false, hasPhone: true }), facts(customerId, 4)]);
    expect(await read(customerId)).toMatchObject({ version: 4, hasEmail: false, hasPhone: true });
    // … and an older event after a newer one is refused, as it would be one by one.
    await apply([facts(customerId, 6), facts(customerId, 5, { hasEmail: true, hasPhone: false })]);
    expect(await read(customerId)).toMatchObject({ version: 6, hasEmail: false, hasPhone: true });
    // An event telling them at a version not above the stored one changes nothing either.
    await apply([facts(customerId, 6, { hasEmail: true, hasPhone: false })]);
    expect(await read(customerId)).toMatchObject({ hasEmail: false, hasPhone: true });
  });

  it('knows a customer only in its own tenant, and looks up no id that cannot be one', async () => {
    const customerId = randomUUID();
    await apply([facts(customerId, 1)]);
    await expect(known.find(database.dataSource, randomUUID(), customerId)).resolves.toBeNull();
    await expect(read('not-a-uuid')).resolves.toBeNull();
    await expect(read(customerId.toUpperCase())).resolves.toMatchObject({ customerId });
  });

  it('waits for a customer created a moment ago, and answers any other unknown id at once', async () => {
    const justMinted = uuidv7();
    setTimeout(() => void apply([facts(justMinted, 1)]), 150);
    await expect(
      known.await(database.dataSource, tenantId, justMinted, 3_000),
    ).resolves.toMatchObject({ customerId: justMinted });

    const started = Date.now();
    await expect(
      known.await(database.dataSource, tenantId, randomUUID(), 3_000),
    ).resolves.toBeNull();
    await expect(
      known.await(database.dataSource, tenantId, uuidv7(Date.now() - 3_600_000), 3_000),
    ).resolves.toBeNull();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  describe('learning from the broker', () => {
    let probe: BrokerProbe;
    let broker: BrokerConnection;
    let consumer: EventConsumer;
    const exchange = uniqueName('events');
    const service = uniqueName('svc');

    beforeAll(async () => {
      probe = await openBrokerProbe();
      broker = brokerConnection('known-customers-test');
      await broker.waitForConnect();
      consumer = new EventConsumer({
        dataSource: database.dataSource,
        broker,
        schema: SCHEMA,
        service,
        eventsExchange: exchange,
        logger: silentLogger,
        retryDelayMs: 100,
        maxAttempts: 3,
      });
      known.register(consumer);
      await consumer.start();
    });
    afterAll(async () => {
      await consumer.stop();
      await probe.cleanup({ exchange, services: [service] });
      await broker.close();
      await probe.close();
    });

    it('learns customers from their created and updated events', async () => {
      const created = customerCreated({ hasEmail: false, hasPhone: true });
      const { customerId } = created.payload;
      const updated = {
        ...created,
        eventId: randomUUID(),
        type: CUSTOMER_UPDATED_V1,
        payload: {
          customerId,
          customerNumber: '1001',
          status: 'passive',
          stationIds: [stationB],
          version: 2,
          changedFields: ['status', 'stationIds', 'email'],
          hasEmail: true,
          hasPhone: true,
        },
      };
      await probe.publish(exchange, updated.type, updated, updated.eventId);
      await probe.publish(exchange, created.type, created, created.eventId);
      const customer = await waitFor(
        () => known.find(database.dataSource, created.tenantId!, customerId),
        (c) => c !== null && c.version === 2,
      );
      expect(customer).toMatchObject({
        stationIds: [stationB],
        status: 'passive',
        hasEmail: true,
        hasPhone: true,
      });
    });
  });
});
