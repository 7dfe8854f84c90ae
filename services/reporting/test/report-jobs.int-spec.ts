import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import {
  REPORT_RETENTION_DAYS,
  REPORTING,
  TENANT_SETTINGS_CHANGED_V1,
  type CallerContext,
  type RequestReportDto,
} from '@kanta/contracts';
import { commandFor, eventually, problemOf } from '@kanta/testing';
import { CustomerErasure } from '../src/erasure/customer-erasure';
import { ReportFiles } from '../src/reports/report-files';
import { ReportJobsRepository } from '../src/reports/report-jobs.repository';
import { REPORT_LEASE_SPACE } from '../src/reports/report-leases';
import { ReportRun } from '../src/reports/report-run';
import { ReportSweep } from '../src/reports/report-sweep';
import { Reports } from '../src/reports/reports.service';
import {
  csvLines,
  downloadReport,
  csvParts,
  startReportTestApp,
  workbookOf,
  type ReportTestApp,
} from './report-test-app';

/*
 * Report jobs in the reporting service, on a read model filled by hand: a request's job writes
 * the file (BullMQ), the sweep runs a report whose job was lost or whose run died, a tenant's
 * running reports make its next one wait while another tenant's runs, cancel and delete, expiry,
 * and an erasure deleting the files that name the person.
 */
describe('reporting service: report jobs (real Postgres, RabbitMQ and Redis)', () => {
  let service: ReportTestApp;
  let app: INestApplication;
  let dataSource: DataSource;
  const tenantId = randomUUID();
  const admin: CallerContext = {
    tenant: { id: tenantId, country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' },
    userId: randomUUID(),
    role: 'admin',
    stationIds: [],
    currentStationId: null,
    correlationId: 'report-jobs-test',
  };
  const worker: CallerContext = { ...admin, userId: randomUUID(), role: 'worker' };
  const otherTenant: CallerContext = {
    ...admin,
    tenant: { ...admin.tenant!, id: randomUUID() },
  };
  const anna = randomUUID();
  const bertil = randomUUID();
  const cecilia = randomUUID();
  const freshness = '2026-11-30T10:00:00.000Z';

  beforeAll(async () => {
    service = await startReportTestApp('report-jobs', { reportsPerTenant: 1 });
    ({ app, dataSource } = service);
    const customer = `INSERT INTO reporting.customers (tenant_id, customer_id, version, kind,
        status, first_name, last_name, company_name, phone, street, postal_code, city, notes,
        regular_of_user_id, created_at)
      VALUES ($1, $2, 1, $3, 'active', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;
    await dataSource.query(customer, [
      tenantId,
      anna,
      'person',
      'Anna',
      'Aalto',
      null,
      '+358401234567',
      'Kuja 1',
      '00100',
      'Helsinki',
      '=HYPERLINK("x")',
      worker.userId,
      '2026-03-01T22:30:00Z',
    ]);
    await dataSource.query(customer, [
      tenantId,
      bertil,
      'company',
      null,
      null,
      'Bertil Oy',
      '+358409999999',
      'Tie 2',
      '33100',
      'Tampere',
      null,
      null,
      '2026-04-02T08:00:00Z',
    ]);
    await dataSource.query(customer, [
      tenantId,
      cecilia,
      'person',
      'Cecilia',
      'Carlsson',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      '2026-05-03T08:00:00Z',
    ]);
    // Erased and merged cards are never in the registry.
    await dataSource.query(
      `INSERT INTO reporting.customers (tenant_id, customer_id, version, status)
       VALUES ($1, $2, 1, 'erased'), ($1, $3, 1, 'merged')`,
      [tenantId, randomUUID(), randomUUID()],
    );
    await dataSource.query(
      `INSERT INTO reporting.consents (tenant_id, customer_id, purpose, entry_id, decision,
         recorded_at)
       VALUES ($1, $2, 'marketing_email', $3, 'granted', now()),
              ($1, $2, 'marketing_sms', $4, 'withdrawn', now())`,
      [tenantId, anna, randomUUID(), randomUUID()],
    );
    await dataSource.query(
      `INSERT INTO reporting.vehicles (tenant_id, vehicle_id, version, registration, vin, customers)
       VALUES ($1, $2, 1, 'ABC-123', 'WVWZZZ1JZXW000001', $3)`,
      [
        tenantId,
        randomUUID(),
        JSON.stringify([
          { customerId: anna, role: 'owner', isDefault: true },
          { customerId: bertil, role: 'proxy', isDefault: false },
        ]),
      ],
    );
    await dataSource.query(
      `INSERT INTO reporting.freshness (tenant_id, event_type, last_event_at, applied_at)
       VALUES ($1, 'customers.customer.reportable.v1', $2, now())`,
      [tenantId, freshness],
    );
  });

  afterAll(() => service?.close());

  const reports = () => app.get(Reports);
  const request = (context: CallerContext, data: RequestReportDto) =>
    reports().request(context, data, commandFor(REPORTING.requestReport, context, data));
  const done = (context: CallerContext, reportId: string) =>
    eventually(async () => {
      const view = await reports().get(context, reportId);
      return view.status === 'done' ? view : undefined;
    }, 15_000);
  const download = (context: CallerContext, reportId: string) =>
    downloadReport(reports(), context, reportId);
  /** A report recorded without its job, as when Redis lost it. */
  const recorded = async (
    context: CallerContext,
    format: 'csv' | 'xlsx' = 'csv',
  ): Promise<string> => {
    const reportId = randomUUID();
    await app.get(ReportJobsRepository).insert(dataSource.manager, {
      tenantId: context.tenant!.id,
      id: reportId,
      type: 'registry',
      format,
      locale: 'en',
      timeZone: 'Europe/Helsinki',
      criteria: {},
      requestedBy: context.userId,
      requestedRole: context.role,
    });
    return reportId;
  };
  const status = async (reportId: string, tenant = tenantId) =>
    (
      await dataSource.query<{ status: string }[]>(
        'SELECT status FROM reporting.report_jobs WHERE tenant_id = $1 AND id = $2',
        [tenant, reportId],
      )
    )[0]?.status;

  it("writes an admin's registry CSV in its job: the tenant's headers, live cards only, freshness and manifest", async () => {
    const queued = await request(admin, { type: 'registry', format: 'csv' });
    expect(queued).toMatchObject({ status: 'queued', locale: 'fi', progress: { rows: 0 } });
    const view = await done(admin, queued.id);
    expect(view).toMatchObject({
      rowCount: 3,
      progress: { rows: 3, percent: 100 },
      freshness,
      // No source is configured here (the read model is filled by hand): nothing to wait for.
      catchUp: { caughtUp: true, behind: [] },
      error: null,
    });
    expect(view.expiresAt).not.toBeNull();

    const { fileName, bytes } = await download(admin, view.id);
    expect(fileName).toMatch(/^asiakasrekisteri-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = csvLines(bytes);
    expect(lines[0]).toBe(
      'Nimi;Puhelin;Osoite;Postinumero;Postitoimipaikka;Muistiinpanot;Markkinointiluvat;Luotu;' +
        'Asiakasnumero;Tunniste',
    );
    expect(lines).toHaveLength(4);
    const annaLine = lines.find((line) => line.includes(anna));
    // Phone as stored, notes neutralised, the date in Helsinki (22:30 UTC is the next day there),
    // only the granted purpose.
    expect(annaLine).toBe(
      `Anna Aalto;+358401234567;Kuja 1;00100;Helsinki;"'=HYPERLINK(""x"")";marketing_email;` +
        `2026-03-02;;${anna}`,
    );
    // After the table and an empty line: when it was asked for, how fresh (12:00 in Helsinki),
    // caught up.
    expect(csvParts(bytes).about).toEqual([
      expect.stringMatching(/^Raportti pyydetty;\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2};$/),
      'Tiedot ajan tasalla (viimeisin käsitelty muutos);2026-11-30 12:00:00;',
      'Sisältää kaikki ennen pyyntöä tallennetut muutokset;;kyllä',
    ]);
    const manifest = await dataSource.query<{ customer_id: string }[]>(
      'SELECT customer_id FROM reporting.report_customers WHERE report_id = $1 ORDER BY 1',
      [view.id],
    );
    expect(manifest.map((row) => row.customer_id).sort()).toEqual([anna, bertil, cecilia].sort());
  });

  it('writes the XLSX in the requested locale with a sheet of vehicles and real dates', async () => {
    const queued = await request(admin, { type: 'registry', format: 'xlsx', locale: 'en' });
    const view = await done(admin, queued.id);
    expect(view.rowCount).toBe(5);
    const { fileName, bytes } = await download(admin, view.id);
    expect(fileName).toMatch(/^customer-registry-.*\.xlsx$/);
    const book = await workbookOf(bytes);
    expect(book.worksheets.map((sheet) => sheet.name)).toEqual(['Customers', 'Vehicles', 'About']);
    const about = book.getWorksheet('About')!;
    expect(about.getRow(3).getCell(1).value).toBe('Data up to (last change applied)');
    // A real date: 10:00 UTC is 12:00 on Helsinki's wall clock.
    expect(about.getRow(3).getCell(2).value).toEqual(new Date('2026-11-30T12:00:00Z'));
    expect(about.getRow(4).values).toEqual([
      undefined,
      'Includes every change saved before the request',
      undefined,
      'yes',
    ]);
    const customers = book.getWorksheet('Customers')!;
    expect(customers.getRow(1).getCell(1).value).toBe('Name');
    expect(customers.rowCount).toBe(4);
    const annaRow = customers.getRows(2, 3)!.find((row) => row.getCell(10).value === anna)!;
    expect(annaRow.getCell(2).value).toBe('+358401234567');
    expect(annaRow.getCell(8).value).toBeInstanceOf(Date);
    const vehicles = book.getWorksheet('Vehicles')!;
    expect(vehicles.getRow(1).values).toEqual([undefined, 'Plate', 'VIN', 'Role', 'Name', 'Id']);
    const roles = vehicles
      .getRows(2, 2)!
      .map((row) => [row.getCell(1).value, row.getCell(3).value, row.getCell(4).value]);
    expect(roles).toEqual(
      expect.arrayContaining([
        ['ABC-123', 'Owner', 'Anna Aalto'],
        ['ABC-123', 'Proxy', 'Bertil Oy'],
      ]),
    );
  });

  it('gives a worker only their regulars, and refuses criteria reaching wider (403) or unknown (422)', async () => {
    const mine = await done(
      worker,
      (await request(worker, { type: 'registry', format: 'csv' })).id,
    );
    expect(mine).toMatchObject({ rowCount: 1, criteria: { regularOfUserId: worker.userId } });
    const lines = csvLines((await download(worker, mine.id)).bytes);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(anna);

    const wider = await problemOf(
      request(worker, {
        type: 'registry',
        format: 'csv',
        criteria: { regularOfUserId: admin.userId },
      }),
    );
    expect(wider.status).toBe(403);
    const unknown = await problemOf(
      request(admin, { type: 'registry', format: 'csv', criteria: { stationId: 'x' } }),
    );
    expect(unknown).toMatchObject({ status: 422, errors: [{ field: 'criteria.stationId' }] });
    const badId = await problemOf(
      request(admin, { type: 'registry', format: 'csv', criteria: { regularOfUserId: 'nope' } }),
    );
    expect(badId).toMatchObject({ status: 422 });
    expect(badId.errors?.[0].field).toBe('criteria.regularOfUserId');
    // A worker does not see an admin's report; another tenant sees none.
    const adminsReport = (await reports().list(admin, {})).items[0];
    expect((await problemOf(reports().get(worker, adminsReport.id))).status).toBe(404);
    expect((await problemOf(reports().get(otherTenant, adminsReport.id))).status).toBe(404);
    expect((await problemOf(reports().file(otherTenant, adminsReport.id))).status).toBe(404);
  });

  it("lists the caller's own reports, newest first, in cursor pages", async () => {
    const first = await reports().list(admin, { limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = await reports().list(admin, { limit: 1, cursor: first.nextCursor! });
    expect(second.items[0].id < first.items[0].id).toBe(true);
    const workers = await reports().list(worker, {});
    expect(workers.items.every((item) => item.requestedBy === worker.userId)).toBe(true);
  });

  /** Running since now; with nobody holding their leases (see runElsewhere), a dead run. */
  const markRunning = (reportIds: string[]) =>
    dataSource.query(
      `UPDATE reporting.report_jobs SET status = 'running', started_at = now()
        WHERE id = ANY($1::uuid[])`,
      [reportIds],
    );
  /**
   * Another process's live run of the report: it holds the report's lease on a session of its
   * own (ReportLeases); `die` ends the session, as a killed process's does.
   */
  const runElsewhere = async (reportId: string) => {
    await markRunning([reportId]);
    const session = new Client(service.db.runtime('reporting'));
    await session.connect();
    await session.query(`SELECT pg_advisory_lock(${REPORT_LEASE_SPACE}, hashtext($1))`, [reportId]);
    return { die: () => session.end() };
  };

  it('runs by the sweep a report whose job was lost, and one whose run died', async () => {
    const lost = await recorded(admin);
    const died = await recorded(admin);
    // The sweep waits a minute for a job before it runs the report itself.
    await dataSource.query(
      `UPDATE reporting.report_jobs SET requested_at = now() - interval '2 minutes'
        WHERE id = $1`,
      [lost],
    );
    // Running, just now, and nobody holds its lease: its process died.
    await markRunning([died]);
    expect((await problemOf(reports().file(admin, lost))).status).toBe(409);
    await app.get(ReportSweep).sweep.runOnce();
    await app.get(ReportSweep).sweep.runOnce();
    expect(await status(lost)).toBe('done');
    expect(await status(died)).toBe('done');
    expect(csvLines((await download(admin, lost)).bytes)[0]).toMatch(/^Name,Phone,/);
  });

  it("gives back to the queue the dead runs a sweep pass does not run itself, and a busy tenant's", async () => {
    const died: string[] = [];
    for (let i = 0; i < 5; i++) died.push(await recorded(admin));
    await markRunning(died);
    // The pass runs three itself, then hands the other two to the queue: its next pass is an
    // hour away here, so their new jobs alone can run them.
    await app.get(ReportSweep).sweep.runOnce();
    for (const reportId of died) expect((await done(admin, reportId)).rowCount).toBe(3);

    // One more, its tenant's one slot taken by a live run elsewhere: busy for the sweep, run by
    // its new job once the slot is free.
    const busy = await recorded(admin);
    await markRunning([busy]);
    const running = await recorded(admin);
    const elsewhere = await runElsewhere(running);
    try {
      await app.get(ReportSweep).sweep.runOnce();
      expect(await status(busy)).toBe('running');
      await reports().delete(admin, running);
      expect((await done(admin, busy)).rowCount).toBe(3);
    } finally {
      await elsewhere.die();
    }
  });

  it("makes a tenant's next report wait while its share runs, and runs another tenant's meanwhile", async () => {
    const running = await recorded(admin);
    const elsewhere = await runElsewhere(running);
    const waiting = await recorded(admin);
    const others = await recorded(otherTenant);
    const run = app.get(ReportRun);
    try {
      expect(await run.run(tenantId, waiting)).toBe('busy');
      expect(await status(waiting)).toBe('queued');
      expect(await run.run(otherTenant.tenant!.id, others)).toBe('done');
      await reports().delete(admin, running);
      expect(await run.run(tenantId, waiting)).toBe('done');
    } finally {
      await elsewhere.die();
    }
  });

  it("puts a busy tenant's job back in the queue and runs it once the tenant's slot is free", async () => {
    const running = await recorded(admin);
    const elsewhere = await runElsewhere(running);
    try {
      const asked = await request(admin, { type: 'registry', format: 'csv' });
      // Its job came up and found the tenant's one slot taken: delayed, not failed nor lost.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await status(asked.id)).toBe('queued');
      await reports().delete(admin, running);
      expect((await done(admin, asked.id)).rowCount).toBeGreaterThan(0);
    } finally {
      await elsewhere.die();
    }
  });

  it("leaves a live run's report to it, and takes over at once one whose process died: its tenant slot is free", async () => {
    const running = await recorded(admin);
    const elsewhere = await runElsewhere(running);
    const next = await recorded(admin);
    const run = app.get(ReportRun);
    const sweep = app.get(ReportSweep).sweep;
    // Alive: neither its job nor the sweep runs it again, and it holds the tenant's one slot.
    expect(await run.run(tenantId, running)).toBe('skipped');
    await sweep.runOnce();
    expect(await status(running)).toBe('running');
    expect(await run.run(tenantId, next)).toBe('busy');
    // Killed (its session ends with it): the slot is free and the report is run again now, not
    // after a timeout.
    await elsewhere.die();
    expect(await run.run(tenantId, next)).toBe('done');
    expect(await run.run(tenantId, running)).toBe('done');
    expect(csvLines((await download(admin, running)).bytes)).toHaveLength(4);
  });

  it('cancels a queued report (never run), and deletes a done one with its file', async () => {
    const queued = await recorded(admin);
    await reports().delete(admin, queued);
    expect(await status(queued)).toBe('cancelled');
    expect(await app.get(ReportRun).run(tenantId, queued)).toBe('skipped');
    expect(await problemOf(reports().file(admin, queued))).toMatchObject({
      status: 409,
      type: expect.stringContaining('report-not-done'),
    });

    const finished = await recorded(admin);
    expect(await app.get(ReportRun).run(tenantId, finished)).toBe('done');
    const path = app.get(ReportFiles).path(tenantId, finished, 'csv');
    expect(existsSync(path)).toBe(true);
    await reports().delete(admin, finished);
    expect(existsSync(path)).toBe(false);
    expect((await problemOf(reports().get(admin, finished))).status).toBe(404);
  });

  it('stops a running report cancelled between batches and deletes its partial file', async () => {
    const reportId = await recorded(admin);
    const repository = app.get(ReportJobsRepository);
    const progress = repository.progress.bind(repository);
    // The cancel arrives while the first batch is being recorded.
    const spy = jest.spyOn(repository, 'progress').mockImplementation(async (...args) => {
      await reports().delete(admin, reportId);
      return progress(...args);
    });
    try {
      expect(await app.get(ReportRun).run(tenantId, reportId)).toBe('stopped');
    } finally {
      spy.mockRestore();
    }
    expect(await status(reportId)).toBe('cancelled');
    const path = app.get(ReportFiles).path(tenantId, reportId, 'csv');
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.part`)).toBe(false);
  });

  it('deletes the part file a killed run left when its report is cancelled', async () => {
    const reportId = await recorded(admin);
    await markRunning([reportId]);
    const part = await app.get(ReportFiles).partPath(tenantId, reportId, 'csv');
    await writeFile(part, 'Name,Phone\r\nhalf a ro');
    await reports().delete(admin, reportId);
    expect(await status(reportId)).toBe('cancelled');
    expect(existsSync(part)).toBe(false);
  });

  it('expires a done report after its days: the sweep deletes the file and the file answers 410', async () => {
    const reportId = await recorded(admin, 'xlsx');
    expect(await app.get(ReportRun).run(tenantId, reportId)).toBe('done');
    const path = app.get(ReportFiles).path(tenantId, reportId, 'xlsx');
    await dataSource.query(
      `UPDATE reporting.report_jobs SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [reportId],
    );
    await app.get(ReportSweep).sweep.runOnce();
    expect(await status(reportId)).toBe('expired');
    expect(existsSync(path)).toBe(false);
    expect(await problemOf(reports().file(admin, reportId))).toMatchObject({
      status: 410,
      type: expect.stringContaining('report-expired'),
    });
  });

  it("gives a done report's file the tenant's reportRetentionDays, the newest announcement winning", async () => {
    const days = async (reportId: string) =>
      (
        await dataSource.query<{ days: number }[]>(
          `SELECT extract(day FROM expires_at - completed_at)::int AS days
             FROM reporting.report_jobs WHERE id = $1`,
          [reportId],
        )
      )[0].days;
    await service.publish(TENANT_SETTINGS_CHANGED_V1, tenantId, {
      retentionYears: null,
      reportRetentionDays: 30,
      version: 3,
    });
    // An older announcement arriving late changes nothing.
    await service.publish(TENANT_SETTINGS_CHANGED_V1, tenantId, {
      retentionYears: null,
      reportRetentionDays: 2,
      version: 2,
    });
    await eventually(async () =>
      (
        await dataSource.query<{ version: number }[]>(
          'SELECT version FROM reporting.tenant_settings WHERE tenant_id = $1',
          [tenantId],
        )
      )[0]?.version === 3 &&
      (
        await dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM reporting.inbox WHERE event_type = $1`,
          [TENANT_SETTINGS_CHANGED_V1],
        )
      )[0].n === 2
        ? true
        : undefined,
    );
    const kept = await recorded(admin);
    expect(await app.get(ReportRun).run(tenantId, kept)).toBe('done');
    expect(await days(kept)).toBe(30);
    // A tenant never announced keeps the default.
    const other = await recorded(otherTenant);
    expect(await app.get(ReportRun).run(otherTenant.tenant!.id, other)).toBe('done');
    expect(await days(other)).toBe(REPORT_RETENTION_DAYS.default);
  });

  it('deletes on erasure every report file naming the person, and counts them', async () => {
    const naming = await recorded(admin);
    expect(await app.get(ReportRun).run(tenantId, naming)).toBe('done');
    const path = app.get(ReportFiles).path(tenantId, naming, 'csv');
    expect((await readFile(path)).toString()).toContain(cecilia);
    const counts = await dataSource.transaction((manager) =>
      app.get(CustomerErasure).erase(manager, tenantId, cecilia),
    );
    expect(counts.counts.reports).toBeGreaterThanOrEqual(1);
    expect(existsSync(path)).toBe(false);
    expect(await status(naming)).toBe('erased');
    expect((await problemOf(reports().file(admin, naming))).status).toBe(410);
    // Its manifest still names the person (ids only, for the report audit), its file is gone.
    const named = await dataSource.query<{ id: string; status: string }[]>(
      `SELECT j.id, j.status FROM reporting.report_jobs j
         JOIN reporting.report_customers m ON m.tenant_id = j.tenant_id AND m.report_id = j.id
        WHERE m.customer_id = $1 AND j.id = $2`,
      [cecilia, naming],
    );
    expect(named).toEqual([{ id: naming, status: 'erased' }]);
    // Nor is the person in a report written afterwards.
    const after = await done(admin, (await request(admin, { type: 'registry', format: 'csv' })).id);
    expect(after.rowCount).toBe(2);
  });

  it('answers 404 for an id that is not a report', async () => {
    expect((await problemOf(reports().get(admin, 'not-a-uuid'))).status).toBe(404);
    expect((await problemOf(reports().delete(admin, randomUUID()))).status).toBe(404);
  });
});
