import ExcelJS from 'exceljs';
import type {
  CustomerReportPage,
  CustomerView,
  ReportPage,
  ReportView,
  VisitView,
} from '@kanta/contracts';
import { eventually } from '@kanta/testing';
import type { KantaApi } from '@kanta/local';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(180_000);

/**
 * Report jobs (issue #15) through the whole system: customers made through the API reach the
 * reporting service's read model by events, a registry report is asked for, written by its job
 * and downloaded as CSV and XLSX; and the bad inputs.
 */
describe('report jobs (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let other: TenantFixture;
  let workerId: string;
  let adminId: string;
  /** The reports the first two cases downloaded (twice each), by their requester's role. */
  const downloaded: { admin?: string; worker?: string } = {};
  let anna: CustomerView;
  let bertil: CustomerView;

  beforeAll(async () => {
    e2e = await startE2eSystem('reports');
    fi = await createTenant(e2e, 'rep-fi');
    other = await createTenant(e2e, 'rep-other');
    workerId = (await fi.worker.expect<{ user: { id: string } }>(200, 'GET', '/api/v1/me')).user.id;
    adminId = (await fi.admin.expect<{ user: { id: string } }>(200, 'GET', '/api/v1/me')).user.id;
    anna = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Anna',
      lastName: 'Raportti',
      phone: '+358401234567',
      stationIds: [fi.stationIds[0]],
      regularOfUserId: workerId,
    });
    bertil = await fi.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Bertil',
      lastName: '=1+1',
      stationIds: [fi.stationIds[0]],
    });
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  const ask = (caller: KantaApi, body: Record<string, unknown>) =>
    caller.expect<ReportView>(202, 'POST', '/api/v1/reports', body);
  const done = (id: string, caller: KantaApi = fi.admin) =>
    eventually(async () => {
      const view = await caller.expect<ReportView>(200, 'GET', `/api/v1/reports/${id}`);
      if (view.status === 'failed') throw new Error(`report failed: ${view.error}`);
      return view.status === 'done' ? view : undefined;
    }, 60_000);
  /** A registry report once both customers are in the read model. */
  const registry = (caller: KantaApi, body: Record<string, unknown>, rows: number) =>
    eventually(async () => {
      const view = await done((await ask(caller, body)).id, caller);
      return view.rowCount === rows ? view : undefined;
    }, 60_000);
  const download = async (id: string, caller: KantaApi = fi.admin) => {
    expect((await caller.request('GET', `/api/v1/reports/${id}/file`)).status).toBe(200);
    const response = await fetch(`${caller.baseUrl}/api/v1/reports/${id}/file`, {
      headers: { authorization: `Bearer ${caller.token}` },
    });
    expect(response.status).toBe(200);
    return { headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  };

  it("makes an admin's registry CSV in the tenant's language and downloads it", async () => {
    const view = await registry(fi.admin, { type: 'registry', format: 'csv' }, 2);
    expect(view.freshness).not.toBeNull();
    const { headers, bytes } = await download(view.id);
    downloaded.admin = view.id;
    expect(headers.get('content-type')).toContain('text/csv');
    expect(headers.get('content-disposition')).toMatch(/filename="asiakasrekisteri-.*\.csv"/);
    const lines = bytes
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0].split(';').slice(0, 3)).toEqual(['Nimi', 'Puhelin', 'Osoite']);
    expect(lines.find((line) => line.includes(anna.id))).toMatch(/^Anna Raportti;\+358401234567;/);
    expect(lines.find((line) => line.includes(bertil.id))).toMatch(
      /^'Bertil =1\+1;|^Bertil =1\+1;/,
    );
    const mine = await fi.admin.expect<ReportPage>(200, 'GET', '/api/v1/reports?limit=100');
    expect(mine.items.map((item) => item.id)).toContain(view.id);
  });

  it('gives a worker an XLSX of their regulars only, in the locale asked for', async () => {
    const view = await registry(fi.worker, { type: 'registry', format: 'xlsx', locale: 'en' }, 1);
    const { headers, bytes } = await download(view.id, fi.worker);
    downloaded.worker = view.id;
    expect(headers.get('content-disposition')).toMatch(/customer-registry-.*\.xlsx/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    expect(book.worksheets.map((sheet) => sheet.name)).toEqual(['Customers', 'Vehicles', 'About']);
    const sheet = book.getWorksheet('Customers')!;
    expect(sheet.getRow(1).getCell(1).value).toBe('Name');
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).getCell(1).value).toBe('Anna Raportti');
    expect(sheet.getRow(2).getCell(2).value).toBe('+358401234567');
    expect(sheet.getRow(2).getCell(8).value).toBeInstanceOf(Date);
  });

  it('makes the customers report by the search’s words, matched by the customers service', async () => {
    const visit = await fi.worker.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      customerId: anna.id,
      kind: 'inspection',
      scheduledAt: '2026-01-10T22:30:00Z',
      channel: 'phone',
    });
    await fi.worker.expect(
      200,
      'PATCH',
      `/api/v1/visits/${visit.id}`,
      { status: 'completed' },
      { 'if-match': '"1"' },
    );
    // A phone number as typed: only the customers service's search finds Anna by it.
    const criteria = { q: '040 123 4567' };
    const view = await eventually(async () => {
      const report = await done(
        (await ask(fi.admin, { type: 'customers', format: 'csv', criteria })).id,
      );
      return report.rowCount === 1 ? report : undefined;
    }, 60_000);
    const lines = (await download(view.id)).bytes
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    // The table, an empty line, then what the file says about itself (three lines: caught up).
    expect(lines).toHaveLength(6);
    expect(lines[2]).toBe('');
    expect(lines[5]).toBe('Sisältää kaikki ennen pyyntöä tallennetut muutokset;;kyllä');
    // The visit's day in Helsinki, one completed visit.
    expect(lines[1]).toMatch(/^Anna Raportti;\+358401234567;;\d+;2026-01-11;;North rep-fi;1$/);
    const xlsx = await done(
      (await ask(fi.admin, { type: 'customers', format: 'xlsx', criteria })).id,
    );
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await download(xlsx.id)).bytes as unknown as ArrayBuffer);
    expect(book.worksheets.map((sheet) => [sheet.name, sheet.rowCount])).toEqual([
      ['Käyneet asiakkaat', 2],
      ['Lisätyt asiakkaat', 2],
      ['Tiedot', 4],
    ]);
    expectProblem(
      await fi.worker.request('POST', '/api/v1/reports', { type: 'customers', format: 'xlsx' }),
      403,
    );
  });

  it('lists the customers whose online booking is pending', async () => {
    await fi.worker.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      customerId: bertil.id,
      kind: 'inspection',
      scheduledAt: '2027-01-10T08:00:00Z',
      channel: 'online_booking',
    });
    const view = await eventually(async () => {
      const report = await done(
        (await ask(fi.admin, { type: 'online-bookings-pending', format: 'csv', locale: 'en' })).id,
      );
      return report.rowCount === 1 ? report : undefined;
    }, 60_000);
    const lines = (await download(view.id)).bytes.toString('utf8').trimEnd().split('\r\n');
    // The station by its name (gateway.station.named.v1), not its id.
    expect(lines[1]).toMatch(/^'?Bertil =1\+1,,,\d+,2027-01-10,North rep-fi,$/);
  });

  it('tells an admin which reports contained a customer and who downloaded them', async () => {
    const path = `/api/v1/customers/${anna.id}/reports`;
    const page = await fi.admin.expect<CustomerReportPage>(200, 'GET', `${path}?limit=100`);
    const byId = new Map(page.items.map((item) => [item.id, item]));
    expect(byId.get(downloaded.admin!)).toMatchObject({
      type: 'registry',
      format: 'csv',
      status: 'done',
      requestedBy: adminId,
      requestedRole: 'admin',
      downloads: [
        { userId: adminId, role: 'admin' },
        { userId: adminId, role: 'admin' },
      ],
    });
    expect(byId.get(downloaded.worker!)).toMatchObject({
      format: 'xlsx',
      requestedBy: workerId,
      downloads: [
        { userId: workerId, role: 'worker' },
        { userId: workerId, role: 'worker' },
      ],
    });
    // The worker's report held their regulars only: Bertil was not in it.
    const bertils = await fi.admin.expect<CustomerReportPage>(
      200,
      'GET',
      `/api/v1/customers/${bertil.id}/reports?limit=100`,
    );
    expect(bertils.items.map((item) => item.id)).not.toContain(downloaded.worker);

    const first = await fi.admin.expect<CustomerReportPage>(200, 'GET', `${path}?limit=1`);
    expect(first.items).toHaveLength(1);
    const next = await fi.admin.expect<CustomerReportPage>(
      200,
      'GET',
      `${path}?limit=1&cursor=${first.nextCursor}`,
    );
    expect(next.items[0].id < first.items[0].id).toBe(true);

    // Refused at the gateway by the role (the reporting service refuses a worker too).
    const worker = await fi.worker.request('GET', path);
    expectProblem(worker, 403);
    expect((worker.body as { detail: string }).detail).toBe('This needs the role admin.');
    expect(await other.admin.expect<CustomerReportPage>(200, 'GET', path)).toEqual({
      items: [],
      nextCursor: null,
    });
    expectProblem(await fi.admin.request('GET', `${path}?cursor=nope`), 422, 'cursor');
    expectProblem(await fi.admin.request('GET', `${path}?limit=0`), 422, 'limit');
    expectProblem(await fi.admin.request('GET', '/api/v1/customers/not-an-id/reports'), 404);
  });

  it('answers bad input with problems', async () => {
    expectProblem(
      await fi.admin.request('POST', '/api/v1/reports', { type: 'nope', format: 'csv' }),
      422,
      'type',
    );
    expectProblem(
      await fi.admin.request('POST', '/api/v1/reports', { type: 'registry', format: 'pdf' }),
      422,
      'format',
    );
    expectProblem(
      await fi.admin.request('POST', '/api/v1/reports', {
        type: 'registry',
        format: 'csv',
        locale: 'de',
      }),
      422,
      'locale',
    );
    expectProblem(
      await fi.admin.request('POST', '/api/v1/reports', {
        type: 'registry',
        format: 'csv',
        criteria: { stationId: fi.stationIds[0] },
      }),
      422,
      'criteria.stationId',
    );
    expectProblem(
      await fi.worker.request('POST', '/api/v1/reports', {
        type: 'registry',
        format: 'csv',
        criteria: { regularOfUserId: anna.id },
      }),
      403,
    );
    expectProblem(
      await fi.admin.request('POST', '/api/v1/reports', {
        type: 'marketing-audience',
        format: 'csv',
        criteria: { consent: 'all' },
      }),
      422,
      'criteria.consent',
    );
    expectProblem(
      await fi.admin.request('POST', '/api/v1/reports', {
        type: 'visits-summary',
        format: 'xlsx',
        criteria: { from: '2026-12-01', to: '2026-11-01' },
      }),
      422,
      'criteria.to',
    );
    expectProblem(
      await fi.worker.request('POST', '/api/v1/reports', {
        type: 'marketing-audience',
        format: 'csv',
        criteria: { consent: 'both' },
      }),
      403,
    );
    const view = await ask(fi.admin, { type: 'registry', format: 'csv' });
    expectProblem(await other.admin.request('GET', `/api/v1/reports/${view.id}`), 404);
    expectProblem(await other.admin.request('GET', `/api/v1/reports/${view.id}/file`), 404);
    expectProblem(await fi.admin.request('GET', '/api/v1/reports/not-an-id'), 404);
    await done(view.id);
    expect((await fi.admin.request('DELETE', `/api/v1/reports/${view.id}`)).status).toBe(204);
    expectProblem(await fi.admin.request('GET', `/api/v1/reports/${view.id}/file`), 404);
  });

  it('includes a customer created just before the request: the report caught up with every source first', async () => {
    const carl = await other.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Carl',
      lastName: 'Juuri',
      stationIds: [other.stationIds[0]],
    });
    // No retry: the first report asked for already holds the customer.
    const view = await done(
      (await ask(other.admin, { type: 'registry', format: 'csv', locale: 'en' })).id,
      other.admin,
    );
    expect(view.catchUp).toMatchObject({ caughtUp: true, behind: [] });
    expect(view.rowCount).toBe(1);
    const text = (await download(view.id, other.admin)).bytes.toString('utf8');
    expect(text).toContain(carl.id);
    expect(text).toContain('\r\n\r\nReport requested,');
    expect(text).toContain('\r\nIncludes every change saved before the request,,yes\r\n');
  });
});
