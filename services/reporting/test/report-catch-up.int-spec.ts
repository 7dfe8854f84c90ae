import { randomBytes, randomUUID } from 'node:crypto';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { connect } from 'amqplib';
import {
  CUSTOMER_REPORTABLE_V1,
  OUTBOX_MARK_OPERATIONS,
  REPORTING,
  type CallerContext,
  type CustomerReportableV1,
  type OutboxMarkSource,
  type RequestReportDto,
} from '@kanta/contracts';
import { createServiceDataSource } from '@kanta/database';
import { MessagingModule, Outbox, OutboxRelay, outboxMarkController } from '@kanta/messaging';
import { RpcClient, connectRpcServer, createLogger } from '@kanta/platform';
import { commandFor, eventually, problemOf, type TestDatabase } from '@kanta/testing';
import { Reports } from '../src/reports/reports.service';
import { csvParts, startReportTestApp, type ReportTestApp } from './report-test-app';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** How long a report waits for its sources here. */
const CATCH_UP_MS = 3000;

jest.setTimeout(60_000);

/**
 * A source service as far as catching up goes: its own schema's outbox, its relay, and the
 * `<service>.outbox.mark` handler of libs/messaging on its command queue. Its relay polls only
 * once a minute, so an event written without waking it (as by another process) waits in the
 * outbox until something commits through the relay's own process: the mark does.
 */
@Module({})
class SourceModule {
  static forRoot(
    source: OutboxMarkSource,
    db: TestDatabase,
    messaging: { eventsExchange: string; queuePrefix: string },
  ): DynamicModule {
    const dataSource = createServiceDataSource({
      schema: source,
      entities: [],
      migrations: [],
      settings: db.runtime(source),
      poolSize: 2,
    });
    return {
      module: SourceModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSource.options, retryAttempts: 1 }),
        MessagingModule.forRoot({
          service: source,
          schema: source,
          amqpUrl: AMQP_URL,
          commandLog: true,
          relay: { pollIntervalMs: 60_000 },
          ...messaging,
        }),
      ],
      controllers: [outboxMarkController(source)],
    };
  }
}

/*
 * A report catches up before it is written: it asks each source for an outbox mark and waits
 * (REPORT_CATCH_UP_MS) until the marks are applied, so a change committed just before the
 * request is in the report; a source that does not answer, or whose relay is stopped, is named
 * on the report and in its file, and the report is written once the time is up.
 */
describe('reporting service: a report catches up with its sources (real Postgres, RabbitMQ and Redis)', () => {
  const id = randomBytes(4).toString('hex');
  const rpcQueue = (source: string) => `test.catchup.${id}.rpc.${source}`;
  let service: ReportTestApp;
  let db: TestDatabase;
  const sources = new Map<OutboxMarkSource, INestApplication>();
  const tenantId = randomUUID();
  const admin: CallerContext = {
    tenant: { id: tenantId, country: 'FI', locale: 'en', timeZone: 'Europe/Helsinki' },
    userId: randomUUID(),
    role: 'admin',
    stationIds: [],
    currentStationId: null,
    correlationId: 'catch-up-test',
  };

  const startSource = async (source: OutboxMarkSource) => {
    const moduleRef = await Test.createTestingModule({
      imports: [SourceModule.forRoot(source, db, service.messaging)],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    connectRpcServer(
      app,
      source,
      { amqpUrl: AMQP_URL, queue: rpcQueue(source) },
      createLogger(`${source}-test`, 'silent'),
    );
    await app.startAllMicroservices();
    await app.init();
    sources.set(source, app);
  };

  beforeAll(async () => {
    service = await startReportTestApp('catch-up', {
      catchUp: {
        sources: { customers: rpcQueue('customers'), vehicles: rpcQueue('vehicles') },
        timeoutMs: CATCH_UP_MS,
      },
    });
    db = service.db;
    // The reporting consumer has bound its queue (marks included) before any source publishes.
    await startSource('customers');
    await startSource('vehicles');
  });

  afterAll(async () => {
    for (const app of sources.values()) await app.close();
    await service?.close();
    const connection = await connect(AMQP_URL);
    const channel = await connection.createChannel();
    for (const source of ['customers', 'vehicles']) await channel.deleteQueue(rpcQueue(source));
    await connection.close();
  });

  /**
   * A card committed into the customers service's outbox by a statement of its own, as its
   * triggers write the reporting stream: nothing wakes the relay, which polls once a minute.
   */
  const cardCommitted = async (lastName: string, occurredAt: string): Promise<string> => {
    const customerId = randomUUID();
    const payload: CustomerReportableV1 = {
      customerId,
      version: 1,
      kind: 'person',
      status: 'active',
      customerNumber: 'K-1',
      firstName: 'Testi',
      lastName,
      companyName: null,
      phone: null,
      email: null,
      street: null,
      postalCode: null,
      city: null,
      country: null,
      notes: null,
      stationIds: [],
      groupIds: [],
      regularOfUserId: null,
      leasingCompany: false,
      internal: false,
      createdAt: occurredAt,
      mergedInto: null,
    };
    const part = new Outbox('customers', 'customers').statementPart(
      [
        {
          type: CUSTOMER_REPORTABLE_V1,
          tenantId,
          correlationId: 'catch-up-test',
          occurredAt,
          payload,
        },
      ],
      1,
    );
    await db.query(part.sql, part.params);
    return customerId;
  };

  const reports = () => service.app.get(Reports);
  const request = (data: RequestReportDto) =>
    reports().request(admin, data, commandFor(REPORTING.requestReport, admin, data));
  const done = (reportId: string) =>
    eventually(async () => {
      const view = await reports().get(admin, reportId);
      return view.status === 'done' ? view : undefined;
    }, 30_000);
  const csv = async (reportId: string) => {
    const chunk = await reports().file(admin, reportId, undefined);
    expect(chunk.nextOffset).toBeNull();
    return csvParts(Buffer.from(chunk.chunkBase64, 'base64'));
  };

  it('includes a change committed just before the request: the report waits for each source’s mark', async () => {
    const customerId = await cardCommitted('Juuri', '2026-12-07T09:00:00.000Z');
    const view = await done((await request({ type: 'registry', format: 'csv' })).id);

    expect(view.catchUp).toMatchObject({ caughtUp: true, behind: [] });
    expect(view.catchUp!.waitedMs).toBeLessThan(CATCH_UP_MS);
    expect(view.freshness).toBe('2026-12-07T09:00:00.000Z');
    const file = await csv(view.id);
    expect(file.table.some((line) => line.includes(customerId))).toBe(true);
    expect(file.about).toEqual([
      expect.stringMatching(/^Report requested,/),
      'Data up to (last change applied),2026-12-07 11:00:00,',
      'Includes every change saved before the request,,yes',
    ]);
  });

  it('marks a source’s outbox once per command, for an administrator only, and refuses a malformed mark id', async () => {
    const client = new RpcClient({
      service: 'customers',
      amqpUrl: AMQP_URL,
      queue: rpcQueue('customers'),
      timeoutMs: 5000,
    });
    try {
      const mark = OUTBOX_MARK_OPERATIONS.customers;
      const markId = randomUUID();
      const first = await client.call(mark, admin, { markId }, { idempotencyKey: markId });
      expect(first).toEqual({ markId, pendingBefore: expect.any(Number) });
      // The same command again: answered as before, no second mark.
      expect(await client.call(mark, admin, { markId }, { idempotencyKey: markId })).toEqual(first);
      const marks = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM customers.commands WHERE command_id = $1`,
        [markId],
      );
      expect(marks[0].n).toBe(1);

      const worker = { ...admin, role: 'worker' as const };
      expect(await problemOf(client.call(mark, worker, { markId: randomUUID() }))).toMatchObject({
        status: 403,
      });
      expect(await problemOf(client.call(mark, admin, { markId: 'not-a-uuid' }))).toMatchObject({
        status: 422,
        errors: [{ field: 'markId' }],
      });
    } finally {
      await client.close();
    }
  });

  it('is written within the bound when a source’s relay is stopped and another does not answer, and says how far behind', async () => {
    await sources.get('customers')!.get(OutboxRelay).stop();
    await sources.get('vehicles')!.close();
    sources.delete('vehicles');
    const stuck = await cardCommitted('Jumissa', '2026-12-07T10:00:00.000Z');

    const requested = Date.now();
    const view = await done((await request({ type: 'registry', format: 'xlsx' })).id);
    const took = Date.now() - requested;

    expect(view.catchUp).toEqual({
      caughtUp: false,
      waitedMs: expect.any(Number),
      behind: expect.arrayContaining([
        {
          source: 'customers',
          reason: 'not-arrived',
          // The card of the first test was applied; this one waits in the outbox.
          appliedUntil: '2026-12-07T09:00:00.000Z',
          pendingAtMark: 1,
        },
        { source: 'vehicles', reason: 'no-answer', appliedUntil: null, pendingAtMark: null },
      ]),
    });
    expect(view.catchUp!.behind).toHaveLength(2);
    expect(view.catchUp!.waitedMs).toBeGreaterThanOrEqual(CATCH_UP_MS - 100);
    expect(took).toBeLessThan(CATCH_UP_MS + 10_000);
    expect(view.rowCount).toBe(1);

    const csvView = await done((await request({ type: 'registry', format: 'csv' })).id);
    const file = await csv(csvView.id);
    expect(file.table.some((line) => line.includes(stuck))).toBe(false);
    expect(file.about).toEqual(
      expect.arrayContaining([
        'Includes every change saved before the request,,no',
        'Not caught up: customers (changes applied until),2026-12-07 11:00:00,' +
          'not all its changes had arrived yet',
        'Not caught up: vehicles and visits (changes applied until),,the service did not answer',
      ]),
    );
  });
});
