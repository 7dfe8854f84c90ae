import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { REPORTING, type CallerContext, type CustomerReportsQuery } from '@kanta/contracts';
import { commandFor, eventually, problemOf } from '@kanta/testing';
import { CustomerErasure } from '../src/erasure/customer-erasure';
import { ReportAudit } from '../src/reports/report-audit';
import { ReportSweep } from '../src/reports/report-sweep';
import { Reports } from '../src/reports/reports.service';
import { startReportTestApp, type ReportTestApp } from './report-test-app';

/*
 * The report audit (issue #15): for a customer, the reports whose manifest names them and who
 * downloaded each when — kept after the file is gone (expired, deleted, erased) — for admins of
 * the customer's tenant only.
 */
describe('reporting service: the report audit (real Postgres, RabbitMQ and Redis)', () => {
  let service: ReportTestApp;
  let app: INestApplication;
  let dataSource: DataSource;
  const tenantId = randomUUID();
  const admin: CallerContext = {
    tenant: { id: tenantId, country: 'FI', locale: 'en', timeZone: 'Europe/Helsinki' },
    userId: randomUUID(),
    role: 'admin',
    stationIds: [],
    currentStationId: null,
    correlationId: 'report-audit-test',
  };
  const otherAdmin: CallerContext = { ...admin, userId: randomUUID() };
  const worker: CallerContext = { ...admin, userId: randomUUID(), role: 'worker' };
  const otherTenant: CallerContext = { ...admin, tenant: { ...admin.tenant!, id: randomUUID() } };
  const anna = randomUUID();
  const bertil = randomUUID();

  beforeAll(async () => {
    service = await startReportTestApp('report-audit');
    ({ app, dataSource } = service);
    // Anna is the worker's regular: in the worker's reports and the admin's; Bertil in the admin's.
    await dataSource.query(
      `INSERT INTO reporting.customers (tenant_id, customer_id, version, kind, status, first_name,
         last_name, regular_of_user_id, created_at)
       VALUES ($1, $2, 1, 'person', 'active', 'Anna', 'Audit', $4, now()),
              ($1, $3, 1, 'person', 'active', 'Bertil', 'Audit', NULL, now())`,
      [tenantId, anna, bertil, worker.userId],
    );
  });

  afterAll(async () => {
    await service?.close();
  });

  const reports = () => app.get(Reports);
  const audit = (
    context: CallerContext,
    customerId: string,
    page: Partial<CustomerReportsQuery> = {},
  ) => app.get(ReportAudit).customerReports(context, { customerId, ...page });
  const ids = async (customerId: string) =>
    (await audit(admin, customerId, { limit: 100 })).items.map((item) => item.id);
  /** A registry CSV asked for and written by its job. */
  const doneReport = async (context: CallerContext): Promise<string> => {
    const data = { type: 'registry', format: 'csv' } as const;
    const asked = await reports().request(
      context,
      data,
      commandFor(REPORTING.requestReport, context, data),
    );
    await eventually(async () => {
      const view = await reports().get(context, asked.id);
      return view.status === 'done' ? view : undefined;
    }, 15_000);
    return asked.id;
  };

  let adminsReport: string;
  let workersReport: string;

  it('answers the reports naming a customer, newest first, with who downloaded each when', async () => {
    adminsReport = await doneReport(admin);
    workersReport = await doneReport(worker);
    await reports().file(admin, adminsReport);
    await reports().file(otherAdmin, adminsReport);
    await reports().file(worker, workersReport);
    await reports().file(worker, workersReport);
    // A later chunk of a download is the same download: not recorded again.
    await reports().file(worker, workersReport, '1');

    const annas = await audit(admin, anna);
    expect(annas.nextCursor).toBeNull();
    expect(annas.items.map((item) => item.id)).toEqual([workersReport, adminsReport]);
    const [workers, admins] = annas.items;
    expect(workers).toMatchObject({
      type: 'registry',
      format: 'csv',
      status: 'done',
      requestedBy: worker.userId,
      requestedRole: 'worker',
    });
    expect(workers.completedAt).not.toBeNull();
    expect(workers.downloads).toEqual([
      { userId: worker.userId, role: 'worker', at: expect.any(String) },
      { userId: worker.userId, role: 'worker', at: expect.any(String) },
    ]);
    expect(admins.requestedBy).toBe(admin.userId);
    // Newest first: the second admin took it last.
    expect(admins.downloads.map((download) => download.userId)).toEqual([
      otherAdmin.userId,
      admin.userId,
    ]);
    expect(admins.downloads[0].at >= admins.downloads[1].at).toBe(true);
    // Bertil is not the worker's regular: only the admin's report named him.
    expect(await ids(bertil)).toEqual([adminsReport]);
  });

  it('pages with a keyset cursor, and refuses a cursor it did not issue (422 cursor)', async () => {
    const first = await audit(admin, anna, { limit: 1 });
    expect(first.items.map((item) => item.id)).toEqual([workersReport]);
    expect(first.nextCursor).not.toBeNull();
    const second = await audit(admin, anna, { limit: 1, cursor: first.nextCursor! });
    expect(second.items.map((item) => item.id)).toEqual([adminsReport]);
    expect(second.nextCursor).toBeNull();
    const bad = await problemOf(audit(admin, anna, { cursor: 'not-a-cursor' }));
    expect(bad).toMatchObject({ status: 422, errors: [{ field: 'cursor' }] });
  });

  it("answers another tenant's customer, or an id that is no UUID, with an empty page; a worker 403", async () => {
    expect(await audit(otherTenant, anna)).toEqual({ items: [], nextCursor: null });
    expect(await audit(admin, 'not-a-uuid')).toEqual({ items: [], nextCursor: null });
    expect((await problemOf(audit(worker, anna))).status).toBe(403);
  });

  it('keeps a report in the audit after its file expired, was deleted, or a customer in it was erased', async () => {
    const expiring = await doneReport(admin);
    await dataSource.query(
      `UPDATE reporting.report_jobs SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [expiring],
    );
    await app.get(ReportSweep).sweep.runOnce();
    await reports().delete(admin, adminsReport);
    // Deleted for its users: not found, not listed.
    expect((await problemOf(reports().get(admin, adminsReport))).status).toBe(404);
    const listed = (await reports().list(admin, { limit: 100 })).items.map((item) => item.id);
    expect(listed).not.toContain(adminsReport);
    const erasing = await doneReport(admin);
    await dataSource.transaction((manager) =>
      app.get(CustomerErasure).erase(manager, tenantId, bertil),
    );

    const annas = (await audit(admin, anna)).items;
    expect(annas.map((item) => [item.id, item.status])).toEqual([
      [erasing, 'erased'],
      [expiring, 'expired'],
      [workersReport, 'done'],
      [adminsReport, 'deleted'],
    ]);
    expect(annas[3].downloads).toHaveLength(2);
    // The erased customer stays in the manifests (ids only, like the access log): the audit
    // still answers which files named them.
    expect(await ids(bertil)).toEqual([erasing, expiring, adminsReport]);
  });
});
