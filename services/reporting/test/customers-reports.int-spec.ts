import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import ExcelJS from 'exceljs';
import { DataSource } from 'typeorm';
import {
  CUSTOMERS,
  REPORTING,
  RPC_QUEUES,
  type CallerContext,
  type ReportablePage,
  type ReportableMatchesQuery,
  type RequestReportDto,
} from '@kanta/contracts';
import { deleteBrokerObjects, systemBrokerNames } from '@kanta/messaging';
import { Handles, RpcProblem, connectRpcServer, createLogger } from '@kanta/platform';
import {
  commandFor,
  createTestDatabase,
  deleteRedisKeys,
  eventually,
  problemOf,
  type TestDatabase,
} from '@kanta/testing';
import { AppModule } from '../src/app.module';
import { Reports } from '../src/reports/reports.service';
import { csvParts } from './report-test-app';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The customers service's side of `customers.reportable.matches`, standing in on a queue of this
 * file's own: it answers the ids the test says match (the matching itself is the customers
 * service's, tested there and end to end), in pages of at most 1000 by id, and remembers how it
 * was asked.
 */
@Controller()
class MatchesStandIn {
  static matches: string[] = [];
  static asked: { caller: CallerContext; data: ReportableMatchesQuery }[] = [];
  /** Answer this many pages, then fail (the service gone mid-way). */
  static failAfterPages = Infinity;

  @Handles(CUSTOMERS.reportableMatches)
  matches(caller: CallerContext, data: ReportableMatchesQuery): ReportablePage<string> {
    MatchesStandIn.asked.push({ caller, data });
    if (MatchesStandIn.asked.length > MatchesStandIn.failAfterPages) {
      throw RpcProblem.conflict('going-away', 'Going away', 'The customers service is going away.');
    }
    const limit = Math.min(data.limit ?? 500, 1000);
    const after = data.cursor ? (JSON.parse(data.cursor) as string) : '';
    const ids = [...MatchesStandIn.matches].sort().filter((id) => id > after);
    const page = ids.slice(0, limit);
    return {
      items: page,
      nextCursor: ids.length > limit ? JSON.stringify(page[page.length - 1]) : null,
    };
  }
}

/*
 * The customers and online-bookings-pending reports (Muster's "Lataa raportti" and "Lataa
 * varanneet -raportti") on a read model filled by hand: the files opened and checked, the
 * criteria errors, erased and merged customers absent, admins only.
 */
describe('reporting service: the customers and online-bookings-pending reports', () => {
  const id = randomBytes(4).toString('hex');
  const exchange = `test.reporting.${id}.events`;
  const queuePrefix = `test.reporting.${id}.`;
  const customersQueue = `test.reporting.${id}.customers-rpc`;
  const jobsPrefix = `test:reporting:${id}:jobs`;
  const reportsDir = join(tmpdir(), `kanta-customers-reports-${id}`);
  let db: TestDatabase;
  let app: INestApplication;
  let standIn: INestApplication;
  let dataSource: DataSource;
  const tenantId = randomUUID();
  const admin: CallerContext = {
    tenant: { id: tenantId, country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' },
    userId: randomUUID(),
    role: 'admin',
    stationIds: [],
    currentStationId: null,
    correlationId: 'customers-reports-test',
  };
  const worker: CallerContext = { ...admin, userId: randomUUID(), role: 'worker' };
  const stationA = randomUUID();
  const stationB = randomUUID();
  const anna = randomUUID(); // two completed visits
  const bertil = randomUUID(); // no visit
  const cecilia = randomUUID(); // a booked visit only, online
  const daniel = randomUUID(); // completed visits, but not a match
  const erased = randomUUID();
  const merged = randomUUID();
  const annasCar = randomUUID();
  /** Bulk matches, every seventh with a completed visit: pages of ids beyond one batch. */
  const BULK = 2500;

  beforeAll(async () => {
    db = await createTestDatabase('reporting-customers-reports');
    const standInRef = await Test.createTestingModule({ controllers: [MatchesStandIn] }).compile();
    standIn = standInRef.createNestApplication({ logger: false });
    connectRpcServer(
      standIn,
      'customers',
      { amqpUrl: AMQP_URL, queue: customersQueue, prefetchCount: 4 },
      createLogger('customers-stand-in', 'silent'),
    );
    await standIn.startAllMicroservices();
    await standIn.init();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          postgres: db.runtime('reporting'),
          amqpUrl: AMQP_URL,
          dbPoolSize: 6,
          messaging: { eventsExchange: exchange, queuePrefix },
          redisUrl: REDIS_URL,
          jobsPrefix,
          reportsDir,
          reportSweepIntervalMs: 3_600_000,
          rebuild: {
            queues: {
              customers: customersQueue,
              vehicles: RPC_QUEUES.vehicles,
              consents: RPC_QUEUES.consents,
            },
            timeoutMs: 10_000,
            pageSize: 500,
            atStart: false,
          },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    dataSource = app.get(DataSource);

    const customer = `INSERT INTO reporting.customers (tenant_id, customer_id, version, kind,
        status, customer_number, first_name, last_name, phone, email, created_at)
      VALUES ($1, $2, 1, 'person', $3, $4, $5, $6, $7, $8, $9)`;
    const people: [string, string, string | null, string | null, string | null, string][] = [
      [anna, '101', 'Anna', 'Aalto', '+358401234567', '2026-03-01T22:30:00Z'],
      [bertil, '102', 'Bertil', '=1+1', null, '2026-04-02T08:00:00Z'],
      [cecilia, '103', 'Cecilia', 'Carlsson', '+358409999999', '2026-05-03T08:00:00Z'],
      [daniel, '104', 'Daniel', 'Dahl', null, '2026-05-04T08:00:00Z'],
    ];
    for (const [customerId, number, first, last, phone, createdAt] of people) {
      await dataSource.query(customer, [
        tenantId,
        customerId,
        'active',
        number,
        first,
        last,
        phone,
        first ? `${first.toLowerCase()}@example.test` : null,
        createdAt,
      ]);
    }
    // Erased and merged cards are never in a report, whatever the customers service says.
    await dataSource.query(
      `INSERT INTO reporting.customers (tenant_id, customer_id, version, status, created_at)
       VALUES ($1, $2, 1, 'erased', now()), ($1, $3, 1, 'merged', now())`,
      [tenantId, erased, merged],
    );
    await dataSource.query(
      `INSERT INTO reporting.customers (tenant_id, customer_id, version, kind, status,
         first_name, last_name, created_at)
       SELECT $1, gen_random_uuid(), 1, 'person', 'active', 'Bulk', 'Customer ' || n,
              '2026-06-01T08:00:00Z'
         FROM generate_series(1, ${BULK}) n`,
      [tenantId],
    );
    await dataSource.query(
      `INSERT INTO reporting.vehicles (tenant_id, vehicle_id, version, registration, customers)
       VALUES ($1, $2, 1, 'ABC-123', $3)`,
      [tenantId, annasCar, JSON.stringify([{ customerId: anna, role: 'owner', isDefault: true }])],
    );
    const visit = `INSERT INTO reporting.visits (tenant_id, visit_id, version, customer_id,
        station_id, vehicle_id, kind, channel, status, scheduled_at)
      VALUES ($1, gen_random_uuid(), 1, $2, $3, $4, 'inspection', $5, $6, $7)`;
    const visits: [string, string, string | null, string, string, string][] = [
      [anna, stationA, null, 'phone', 'completed', '2026-01-10T08:00:00Z'],
      // The last one: 22:15 UTC is the next day in Helsinki.
      [anna, stationB, annasCar, 'online_booking', 'completed', '2026-02-10T22:15:00Z'],
      [anna, stationB, annasCar, 'online_booking', 'cancelled', '2026-12-20T08:00:00Z'],
      [cecilia, stationA, null, 'online_booking', 'booked', '2026-12-01T22:30:00Z'],
      [cecilia, stationB, null, 'marketplace', 'booked', '2026-11-01T08:00:00Z'],
      [daniel, stationA, null, 'phone', 'completed', '2026-02-01T08:00:00Z'],
      [daniel, stationA, null, 'phone', 'booked', '2026-12-02T08:00:00Z'],
      [daniel, stationA, null, 'online_booking', 'no_show', '2026-12-03T08:00:00Z'],
      [erased, stationA, null, 'online_booking', 'booked', '2026-12-05T08:00:00Z'],
      [erased, stationA, null, 'phone', 'completed', '2026-01-05T08:00:00Z'],
      [merged, stationA, null, 'online_booking', 'booked', '2026-12-06T08:00:00Z'],
      [merged, stationA, null, 'phone', 'completed', '2026-01-06T08:00:00Z'],
    ];
    for (const row of visits) {
      await dataSource.query(visit, [tenantId, ...row]);
    }
    await dataSource.query(
      `INSERT INTO reporting.visits (tenant_id, visit_id, version, customer_id, station_id, kind,
         channel, status, scheduled_at)
       SELECT $1, gen_random_uuid(), 1, c.customer_id, $2, 'inspection', 'phone', 'completed',
              '2026-06-02T08:00:00Z'
         FROM (SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS n
                 FROM reporting.customers WHERE tenant_id = $1 AND first_name = 'Bulk') c
        WHERE c.n % 7 = 0`,
      [tenantId, stationA],
    );
    // The gateway named station B (gateway.station.named.v1); station A is printed by its id.
    await dataSource.query(
      `INSERT INTO reporting.stations (tenant_id, station_id, name, version)
       VALUES ($1, $2, 'Keskusasema', 2)`,
      [tenantId, stationB],
    );
  });

  afterAll(async () => {
    await app?.close();
    await standIn?.close();
    await deleteBrokerObjects(
      AMQP_URL,
      systemBrokerNames({
        services: ['reporting'],
        eventsExchange: exchange,
        eventsQueuePrefix: queuePrefix,
        rpcQueues: [customersQueue],
      }),
    );
    await deleteRedisKeys(`${jobsPrefix}:`);
    await db?.drop();
    await rm(reportsDir, { recursive: true, force: true });
  });

  const reports = () => app.get(Reports);
  const request = (context: CallerContext, data: RequestReportDto) =>
    reports().request(context, data, commandFor(REPORTING.requestReport, context, data));
  const done = (reportId: string) =>
    eventually(async () => {
      const view = await reports().get(admin, reportId);
      if (view.status === 'failed') throw new Error(`report failed: ${view.error}`);
      return view.status === 'done' ? view : undefined;
    }, 30_000);
  const download = async (reportId: string) => {
    const parts: Buffer[] = [];
    let offset: string | undefined;
    let fileName: string;
    do {
      const chunk = await reports().file(admin, reportId, offset);
      fileName = chunk.fileName;
      parts.push(Buffer.from(chunk.chunkBase64, 'base64'));
      offset = chunk.nextOffset ?? undefined;
    } while (offset !== undefined);
    return { fileName, bytes: Buffer.concat(parts) };
  };
  const workbook = async (bytes: Buffer) => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    return book;
  };
  /** Each row's values, an empty cell null, as wide as the header. */
  const rowsOf = (sheet: ExcelJS.Worksheet) => {
    const width = sheet.getRow(1).cellCount;
    const rows: ExcelJS.CellValue[][] = [];
    sheet.eachRow((row) =>
      rows.push(Array.from({ length: width }, (_, i) => row.getCell(i + 1).value ?? null)),
    );
    return rows;
  };
  const bulkIds = async () =>
    (
      await dataSource.query<{ customer_id: string }[]>(
        `SELECT customer_id FROM reporting.customers WHERE tenant_id = $1 AND first_name = 'Bulk'`,
        [tenantId],
      )
    ).map((r) => r.customer_id);
  const helsinkiDate = (iso: string) => {
    const [y, m, d] = iso.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d));
  };

  describe('customers', () => {
    beforeAll(async () => {
      MatchesStandIn.matches = [anna, bertil, cecilia, erased, merged, ...(await bulkIds())];
    });

    it('writes sheet 1, the matches with a visit and its facts, and sheet 2, every match', async () => {
      MatchesStandIn.asked = [];
      const queued = await request(admin, {
        type: 'customers',
        format: 'xlsx',
        criteria: { q: 'aalto', createdFrom: '2026-01-01', regularOf: 'me', includePassive: true },
      });
      expect(queued.criteria).toEqual({
        q: 'aalto',
        createdFrom: '2026-01-01',
        regularOf: admin.userId,
        includePassive: true,
      });
      const view = await done(queued.id);
      const visitedBulk = Math.floor(BULK / 7);
      // Sheet 1: Anna and the bulk's visited; sheet 2: Anna, Bertil, Cecilia and the bulk.
      expect(view.rowCount).toBe(1 + visitedBulk + 3 + BULK);
      expect(view.progress.percent).toBe(100);

      // The customers service was asked with the criteria as stored, as the admin, in pages.
      expect(MatchesStandIn.asked.length).toBe(3);
      expect(MatchesStandIn.asked[0].caller).toMatchObject({
        tenant: { id: tenantId },
        userId: admin.userId,
        role: 'admin',
      });
      expect(MatchesStandIn.asked[0].data.criteria).toEqual(queued.criteria);

      const { fileName, bytes } = await download(view.id);
      expect(fileName).toMatch(/^asiakasraportti-\d{4}-\d{2}-\d{2}\.xlsx$/);
      const book = await workbook(bytes);
      expect(book.worksheets.map((s) => s.name)).toEqual([
        'Käyneet asiakkaat',
        'Lisätyt asiakkaat',
        'Tiedot',
      ]);
      const [visited, added] = book.worksheets.map(rowsOf);
      expect(visited[0]).toEqual([
        'Nimi',
        'Puhelin',
        'Sähköposti',
        'Asiakasnumero',
        'Viimeisin käynti',
        'Rekisterinumero',
        'Asema',
        'Käyntejä',
      ]);
      expect(visited).toHaveLength(1 + 1 + visitedBulk);
      expect(visited.find((row) => row[0] === 'Anna Aalto')).toEqual([
        'Anna Aalto',
        '+358401234567',
        'anna@example.test',
        '101',
        helsinkiDate('2026-02-11'),
        'ABC-123',
        'Keskusasema',
        2,
      ]);
      const names = (rows: ExcelJS.CellValue[][]) => rows.slice(1).map((row) => row[0]);
      for (const absent of ['Bertil =1+1', 'Cecilia Carlsson', 'Daniel Dahl', null]) {
        expect(names(visited)).not.toContain(absent);
      }
      expect(added[0]).toEqual(['Nimi', 'Puhelin', 'Sähköposti', 'Asiakasnumero', 'Luotu']);
      expect(added).toHaveLength(1 + 3 + BULK);
      // The date is the day in Helsinki (22:30 UTC on 1 March is 2 March there).
      expect(added.find((row) => row[3] === '102')).toEqual([
        'Bertil =1+1',
        null,
        'bertil@example.test',
        '102',
        helsinkiDate('2026-04-02'),
      ]);
      expect(added.find((row) => row[3] === '101')?.[4]).toEqual(helsinkiDate('2026-03-02'));
      expect(names(added)).not.toContain('Daniel Dahl');
      expect(names(added)).not.toContain(null);
      expect(new Set(names(added)).size).toBe(3 + BULK);

      const manifest = await dataSource.query<{ customer_id: string }[]>(
        'SELECT customer_id FROM reporting.report_customers WHERE tenant_id = $1 AND report_id = $2',
        [tenantId, view.id],
      );
      expect(manifest).toHaveLength(3 + BULK);
      expect(manifest.map((m) => m.customer_id)).not.toContain(erased);
      expect(manifest.map((m) => m.customer_id)).not.toContain(merged);
      const left = await dataSource.query(
        'SELECT 1 FROM reporting.report_matches WHERE tenant_id = $1',
        [tenantId],
      );
      expect(left).toEqual([]);
    });

    it("writes sheet 1's rows as the CSV", async () => {
      MatchesStandIn.matches = [anna, bertil, cecilia, erased, merged];
      const queued = await request(admin, { type: 'customers', format: 'csv', locale: 'en' });
      const view = await done(queued.id);
      expect(view.rowCount).toBe(1);
      const { table, about } = csvParts((await download(view.id)).bytes);
      // After the table and an empty line, what the file says about itself.
      expect(about).toContain('Includes every change saved before the request,,yes');
      expect(table).toEqual([
        'Name,Phone,E-mail,Customer number,Last visit,Plate,Station,Visits',
        `Anna Aalto,+358401234567,anna@example.test,101,2026-02-11,ABC-123,Keskusasema,2`,
      ]);
    });

    it('fails, keeping no ids, when the customers service stops answering half-way', async () => {
      MatchesStandIn.matches = await bulkIds();
      MatchesStandIn.asked = [];
      MatchesStandIn.failAfterPages = 1;
      try {
        const queued = await request(admin, { type: 'customers', format: 'xlsx' });
        const view = await eventually(async () => {
          const report = await reports().get(admin, queued.id);
          return report.status === 'failed' ? report : undefined;
        }, 30_000);
        expect(view.error).toBe('write-failed');
        expect(MatchesStandIn.asked).toHaveLength(2);
        const left = await dataSource.query(
          'SELECT 1 FROM reporting.report_matches WHERE tenant_id = $1',
          [tenantId],
        );
        expect(left).toEqual([]);
      } finally {
        MatchesStandIn.failAfterPages = Infinity;
      }
    });

    it('refuses criteria the customer search does not take, and a worker', async () => {
      for (const [criteria, field] of [
        [{ text: 'aalto' }, 'criteria.text'],
        [{ limit: 10 }, 'criteria.limit'],
        [{ createdFrom: '2026-02-30' }, 'criteria.createdFrom'],
        [{ stationIds: ['nope'] }, 'criteria.stationIds'],
        [{ marketingConsent: 'always' }, 'criteria.marketingConsent'],
        [{ regularOf: 'you' }, 'criteria.regularOf'],
      ] as const) {
        const problem = await problemOf(
          request(admin, { type: 'customers', format: 'xlsx', criteria }),
        );
        expect(problem.status).toBe(422);
        expect(new Set(problem.errors?.map((e) => e.field))).toEqual(new Set([field]));
      }
      const problem = await problemOf(request(worker, { type: 'customers', format: 'xlsx' }));
      expect(problem.status).toBe(403);
    });
  });

  describe('online-bookings-pending', () => {
    it("lists the booked online and marketplace bookings, whatever their date, in the tenant's days", async () => {
      const queued = await request(admin, { type: 'online-bookings-pending', format: 'xlsx' });
      const view = await done(queued.id);
      expect(view.rowCount).toBe(2);
      const { fileName, bytes } = await download(view.id);
      expect(fileName).toMatch(/^varanneet-\d{4}-\d{2}-\d{2}\.xlsx$/);
      const book = await workbook(bytes);
      expect(book.worksheets.map((s) => s.name)).toEqual(['Varanneet', 'Tiedot']);
      expect(rowsOf(book.worksheets[0])).toEqual([
        [
          'Nimi',
          'Puhelin',
          'Sähköposti',
          'Asiakasnumero',
          'Varauksen päivä',
          'Asema',
          'Rekisterinumero',
        ],
        [
          'Cecilia Carlsson',
          '+358409999999',
          'cecilia@example.test',
          '103',
          helsinkiDate('2026-11-01'),
          'Keskusasema',
          null,
        ],
        [
          'Cecilia Carlsson',
          '+358409999999',
          'cecilia@example.test',
          '103',
          helsinkiDate('2026-12-02'),
          stationA,
          null,
        ],
      ]);
    });

    it('takes only the stations asked for, as CSV', async () => {
      const queued = await request(admin, {
        type: 'online-bookings-pending',
        format: 'csv',
        locale: 'en',
        criteria: { stationIds: [stationA] },
      });
      const view = await done(queued.id);
      const { table, about } = csvParts((await download(view.id)).bytes);
      expect(about).toContain('Includes every change saved before the request,,yes');
      expect(table).toEqual([
        'Name,Phone,E-mail,Customer number,Booking date,Station,Plate',
        `Cecilia Carlsson,+358409999999,cecilia@example.test,103,2026-12-02,${stationA},`,
      ]);
    });

    it('refuses other criteria, bad stations and a worker', async () => {
      for (const [criteria, field] of [
        [{ createdFrom: '2026-01-01' }, 'criteria.createdFrom'],
        [{ stationIds: ['nope'] }, 'criteria.stationIds'],
        [{ stationIds: stationA }, 'criteria.stationIds'],
      ] as const) {
        const problem = await problemOf(
          request(admin, { type: 'online-bookings-pending', format: 'xlsx', criteria }),
        );
        expect(problem.status).toBe(422);
        expect(new Set(problem.errors?.map((e) => e.field))).toEqual(new Set([field]));
      }
      const problem = await problemOf(
        request(worker, { type: 'online-bookings-pending', format: 'csv' }),
      );
      expect(problem.status).toBe(403);
    });
  });
});
