import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { REPORTING, type CallerContext, type RequestReportDto } from '@kanta/contracts';
import { commandFor, eventually, problemOf } from '@kanta/testing';
import { Reports } from '../src/reports/reports.service';
import { previousMonth } from '../src/reports/visits-summary-report';
import {
  csvLines,
  csvParts,
  downloadReport,
  startReportTestApp,
  workbookOf,
  type ReportTestApp,
} from './report-test-app';

/*
 * The marketing-audience and visits-summary reports (admins only), written by their jobs from a
 * read model filled by hand, the files opened as Excel and CSV read them.
 */
describe('reporting service: marketing-audience and visits-summary reports', () => {
  let service: ReportTestApp;
  let dataSource: DataSource;
  const tenantId = randomUUID();
  const admin: CallerContext = {
    tenant: { id: tenantId, country: 'FI', locale: 'fi', timeZone: 'Europe/Helsinki' },
    userId: randomUUID(),
    role: 'admin',
    stationIds: [],
    currentStationId: null,
    correlationId: 'audience-summary-test',
  };
  const worker: CallerContext = { ...admin, userId: randomUUID(), role: 'worker' };

  // The audience: by their marketing_email / marketing_sms decisions.
  const both = randomUUID(); // e-mail and SMS granted, prefers SMS
  const emailOnly = randomUUID(); // e-mail granted, SMS withdrawn
  const smsOnly = randomUUID(); // SMS granted, no e-mail decision
  const withdrew = randomUUID(); // e-mail withdrawn
  const undecided = randomUUID(); // no decision at all
  const undone = randomUUID(); // e-mail "no decision" (a merge's undo)
  const blocked = randomUUID(); // both granted, but blocked: never in the audience
  const merged = randomUUID(); // both granted, merged into another: never
  const emailText = randomUUID();
  const smsText = randomUUID();

  const stationA = '00000000-0000-4000-8000-00000000000a';
  const stationB = '00000000-0000-4000-8000-00000000000b';
  const otherStation = '00000000-0000-4000-8000-00000000000c';

  beforeAll(async () => {
    service = await startReportTestApp('audience-summary');
    dataSource = service.dataSource;

    const cards: [string, string, string, string | null, string | null][] = [
      [both, 'active', 'Anna', '+358401000001', 'anna@example.test'],
      [emailOnly, 'active', 'Bertil', '+358401000002', 'bertil@example.test'],
      [smsOnly, 'active', '=Cecilia', '+358401000003', null],
      [withdrew, 'active', 'Daniel', null, 'daniel@example.test'],
      [undecided, 'active', 'Eeva', '+358401000005', null],
      [undone, 'active', 'Frans', null, 'frans@example.test'],
      [blocked, 'active', 'Gustav', '+358401000007', 'gustav@example.test'],
      [merged, 'merged', 'Helena', '+358401000008', 'helena@example.test'],
    ];
    for (const [customerId, status, firstName, phone, email] of cards) {
      await dataSource.query(
        `INSERT INTO reporting.customers (tenant_id, customer_id, version, kind, status,
           customer_number, first_name, last_name, phone, email, created_at)
         VALUES ($1, $2, 1, 'person', $3, $4, $5, 'Testinen', $6, $7, now())`,
        [tenantId, customerId, status, `N-${firstName}`, firstName, phone, email],
      );
    }
    // An erased shell: no personal field, no decision; never in a report.
    await dataSource.query(
      `INSERT INTO reporting.customers (tenant_id, customer_id, version, status)
       VALUES ($1, $2, 1, 'erased')`,
      [tenantId, randomUUID()],
    );
    const decisions: [string, string, string | null, string | null, number | null][] = [
      [both, 'marketing_email', 'granted', emailText, 2],
      [both, 'marketing_sms', 'granted', smsText, 1],
      [emailOnly, 'marketing_email', 'granted', emailText, 2],
      [emailOnly, 'marketing_sms', 'withdrawn', smsText, 1],
      [smsOnly, 'marketing_sms', 'granted', smsText, 1],
      [smsOnly, 'data_processing', 'granted', randomUUID(), 1],
      [withdrew, 'marketing_email', 'withdrawn', emailText, 2],
      [undone, 'marketing_email', null, null, null],
      [blocked, 'marketing_email', 'granted', emailText, 2],
      [blocked, 'marketing_sms', 'granted', smsText, 1],
      [merged, 'marketing_email', 'granted', emailText, 2],
      [merged, 'marketing_sms', 'granted', smsText, 1],
    ];
    for (const [customerId, purpose, decision, textId, textVersion] of decisions) {
      await dataSource.query(
        `INSERT INTO reporting.consents (tenant_id, customer_id, purpose, entry_id, decision,
           recorded_at, text_id, text_version)
         VALUES ($1, $2, $3, $4, $5, now(), $6, $7)`,
        [tenantId, customerId, purpose, randomUUID(), decision, textId, textVersion],
      );
    }
    await dataSource.query(
      `INSERT INTO reporting.preferences (tenant_id, customer_id, version, blocked,
         preferred_channel)
       VALUES ($1, $2, 1, false, 'sms'), ($1, $3, 1, true, 'email'), ($1, $4, 1, false, 'none')`,
      [tenantId, both, blocked, withdrew],
    );

    // Visits and sales, Helsinki time: 2026-10-31T22:30Z is 1 November there.
    const visits: [string, string, string][] = [
      [stationA, 'completed', '2026-10-31T22:30:00Z'],
      [stationA, 'completed', '2026-11-03T09:00:00Z'],
      [stationA, 'cancelled', '2026-11-04T09:00:00Z'],
      [stationA, 'no_show', '2026-11-20T09:00:00Z'],
      [stationA, 'booked', '2026-12-01T09:00:00Z'],
      [stationB, 'completed', '2026-11-10T09:00:00Z'],
      [stationA, 'completed', '2026-10-31T21:30:00Z'], // 31 October in Helsinki: outside
      [otherStation, 'completed', '2026-11-10T09:00:00Z'],
    ];
    for (const [stationId, status, scheduledAt] of visits) {
      await dataSource.query(
        `INSERT INTO reporting.visits (tenant_id, visit_id, version, customer_id, station_id,
           kind, channel, status, scheduled_at)
         VALUES ($1, $2, 1, $3, $4, 'inspection', 'walk_in', $5, $6)`,
        [tenantId, randomUUID(), both, stationId, status, scheduledAt],
      );
    }
    const sales: [string, string, string, number, number | null, number | null][] = [
      [stationA, '2026-11-03T10:00:00Z', 'EUR', 8470, 6490, 1980],
      [stationA, '2026-11-21T10:00:00Z', 'EUR', 1000, 1000, 0],
      [stationA, '2026-12-01T10:00:00Z', 'EUR', 5000, 5000, 0],
      [stationA, '2026-11-05T10:00:00Z', 'SEK', 99900, 99900, 0], // another currency
      [stationB, '2026-11-11T10:00:00Z', 'EUR', 2500, null, null], // recorded without the split
    ];
    for (const [stationId, soldAt, currency, total, services, products] of sales) {
      await dataSource.query(
        `INSERT INTO reporting.sales (tenant_id, sale_id, customer_id, station_id, sold_at,
           currency, total_minor, services_minor, products_minor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [tenantId, randomUUID(), both, stationId, soldAt, currency, total, services, products],
      );
    }
  });

  afterAll(() => service?.close());

  const reports = () => service.app.get(Reports);
  const request = (context: CallerContext, data: RequestReportDto) =>
    reports().request(context, data, commandFor(REPORTING.requestReport, context, data));
  /** Asks for a report and waits until it is done; answers its view and whole file. */
  const written = async (data: RequestReportDto) => {
    const queued = await request(admin, data);
    const view = await eventually(async () => {
      const seen = await reports().get(admin, queued.id);
      return seen.status === 'done' ? seen : undefined;
    }, 15_000);
    return { view, ...(await downloadReport(reports(), admin, view.id)) };
  };
  /** The CSV's rows, each a list of fields (no field here is quoted around a separator). */
  const csvRows = (bytes: Buffer, separator: string) =>
    csvLines(bytes).map((line) => line.split(separator));
  const manifest = async (reportId: string) =>
    (
      await dataSource.query<{ customer_id: string }[]>(
        'SELECT customer_id FROM reporting.report_customers WHERE report_id = $1',
        [reportId],
      )
    )
      .map((row) => row.customer_id)
      .sort();

  describe('marketing-audience', () => {
    const audienceOf = async (consent: string) => {
      const { view, bytes } = await written({
        type: 'marketing-audience',
        format: 'csv',
        locale: 'en',
        criteria: { consent },
      });
      const ids = csvRows(bytes, ',')
        .slice(1)
        .map((row) => row[9])
        .sort();
      expect(view.rowCount).toBe(ids.length);
      expect(await manifest(view.id)).toEqual(ids);
      return ids;
    };

    it('takes the customers by consent, never a blocked, merged or erased one', async () => {
      expect(await audienceOf('both')).toEqual([both]);
      expect(await audienceOf('email')).toEqual([emailOnly]);
      expect(await audienceOf('sms')).toEqual([smsOnly]);
      expect(await audienceOf('either')).toEqual([both, emailOnly, smsOnly].sort());
      expect(await audienceOf('neither')).toEqual([withdrew, undecided, undone].sort());
    });

    it("writes the CSV in the tenant's language: contacts as stored, preferred channel, decisions and their texts' versions", async () => {
      const { fileName, bytes } = await written({
        type: 'marketing-audience',
        format: 'csv',
        criteria: { consent: 'either' },
      });
      expect(fileName).toMatch(/^markkinointiyleisö-\d{4}-\d{2}-\d{2}\.csv$/);
      // After the table, what the file says about itself (writeTable adds it to every report).
      expect(csvParts(bytes).about).toContain(
        'Sisältää kaikki ennen pyyntöä tallennetut muutokset;;kyllä',
      );
      const rows = csvRows(bytes, ';');
      expect(rows[0]).toEqual([
        'Nimi',
        'Sähköposti',
        'Puhelin',
        'Ensisijainen kanava',
        'Sähköpostimarkkinointi',
        'Sähköpostiluvan tekstin versio',
        'Tekstiviestimarkkinointi',
        'Tekstiviestiluvan tekstin versio',
        'Asiakasnumero',
        'Tunniste',
      ]);
      const byId = new Map(rows.slice(1).map((row) => [row[9], row]));
      expect(byId.get(both)).toEqual([
        'Anna Testinen',
        'anna@example.test',
        '+358401000001',
        'Tekstiviesti',
        'Annettu',
        '2',
        'Annettu',
        '1',
        'N-Anna',
        both,
      ]);
      expect(byId.get(emailOnly)?.slice(3, 8)).toEqual(['', 'Annettu', '2', 'Peruttu', '1']);
      // A name starting with = is neutralised.
      expect(byId.get(smsOnly)?.slice(0, 8)).toEqual([
        "'=Cecilia Testinen",
        '',
        '+358401000003',
        '',
        '',
        '',
        'Annettu',
        '1',
      ]);
    });

    it('writes the XLSX with a sheet of the consent texts its decisions rest on', async () => {
      const { view, bytes } = await written({
        type: 'marketing-audience',
        format: 'xlsx',
        locale: 'en',
        criteria: { consent: 'either' },
      });
      const book = await workbookOf(bytes);
      expect(book.worksheets.map((sheet) => sheet.name)).toEqual([
        'Audience',
        'Consent texts',
        'About',
      ]);
      const audience = book.getWorksheet('Audience')!;
      expect(audience.rowCount).toBe(4);
      const anna = audience.getRows(2, 3)!.find((row) => row.getCell(10).value === both)!;
      expect(anna.getCell(3).value).toBe('+358401000001');
      expect(anna.getCell(4).value).toBe('SMS');
      expect(anna.getCell(6).value).toBe(2);
      const texts = book.getWorksheet('Consent texts')!;
      expect(texts.getRow(1).values).toEqual([
        undefined,
        'Purpose',
        'Decision',
        'Text version',
        'Text id',
        'Customers',
      ]);
      expect(
        texts.getRows(2, texts.rowCount - 1)!.map((row) => (row.values as unknown[]).slice(1)),
      ).toEqual([
        ['marketing_email', 'Granted', 2, emailText, 2],
        ['marketing_sms', 'Granted', 1, smsText, 2],
        ['marketing_sms', 'Withdrawn', 1, smsText, 1],
      ]);
      expect(view.rowCount).toBe(3 + 3);
    });

    it('refuses a missing or unknown consent, other criteria (422), and a worker (403)', async () => {
      for (const criteria of [{}, { consent: 'all' }, { consent: ['both'] }]) {
        const problem = await problemOf(
          request(admin, { type: 'marketing-audience', format: 'csv', criteria }),
        );
        expect(problem).toMatchObject({ status: 422, errors: [{ field: 'criteria.consent' }] });
      }
      const unknown = await problemOf(
        request(admin, {
          type: 'marketing-audience',
          format: 'csv',
          criteria: { consent: 'both', stationId: 'x' },
        }),
      );
      expect(unknown).toMatchObject({ status: 422, errors: [{ field: 'criteria.stationId' }] });
      const refused = await problemOf(
        request(worker, {
          type: 'marketing-audience',
          format: 'csv',
          criteria: { consent: 'both' },
        }),
      );
      expect(refused.status).toBe(403);
    });
  });

  describe('visits-summary', () => {
    const november = { from: '2026-11-01', to: '2026-11-30' };

    it('sums per station and month in the tenant’s zone: visits by status, sales of services and products in euros', async () => {
      // The gateway named station B (gateway.station.named.v1); the others are printed by id.
      await dataSource.query(
        `INSERT INTO reporting.stations (tenant_id, station_id, name, version)
         VALUES ($1, $2, 'Asema B', 1)`,
        [tenantId, stationB],
      );
      const { view, fileName, bytes } = await written({
        type: 'visits-summary',
        format: 'xlsx',
        locale: 'en',
        criteria: november,
      });
      expect(fileName).toMatch(/^visits-summary-.*\.xlsx$/);
      expect(view.criteria).toEqual({
        ...november,
        period: 'month',
        stationIds: null,
        currency: 'EUR',
      });
      // The summary names no customer: an erasure leaves it.
      expect(await manifest(view.id)).toEqual([]);
      const book = await workbookOf(bytes);
      const sheet = book.getWorksheet('Summary')!;
      expect(sheet.getRow(1).values).toEqual([
        undefined,
        'Station',
        'Period from',
        'Visits',
        'Completed',
        'Cancelled',
        'No-shows',
        'Sales',
        'Services',
        'Products',
        'Sales total',
      ]);
      const rows = sheet.getRows(2, sheet.rowCount - 1)!.map((row) => {
        const values = (row.values as unknown[]).slice(1);
        const period = values[1] as Date;
        return [values[0], period.toISOString().slice(0, 10), ...values.slice(2)];
      });
      expect(rows).toEqual(
        [
          [stationA, '2026-11-01', 4, 2, 1, 1, 2, 74.9, 19.8, 94.7],
          [stationB, '2026-11-01', 1, 1, 0, 0, 1, undefined, undefined, 25],
          [otherStation, '2026-11-01', 1, 1, 0, 0, 0, undefined, undefined, undefined],
        ]
          .sort((a, b) => String(a[0]).localeCompare(String(b[0])))
          .map(([station, ...rest]) => [station === stationB ? 'Asema B' : station, ...rest]),
      );
      expect(view.rowCount).toBe(3);
      expect(sheet.getRow(2).getCell(8).numFmt).toContain('€');
    });

    it('groups by day for the stations asked, as CSV in the tenant’s language', async () => {
      const { bytes } = await written({
        type: 'visits-summary',
        format: 'csv',
        criteria: { from: '2026-11-01', to: '2026-11-04', period: 'day', stationIds: [stationA] },
      });
      const rows = csvRows(bytes, ';');
      expect(rows[0][0]).toBe('Toimipiste');
      expect(rows.slice(1)).toEqual([
        [stationA, '2026-11-01', '1', '1', '0', '0', '0', '', '', ''],
        [stationA, '2026-11-03', '1', '1', '0', '0', '1', '64,90', '19,80', '84,70'],
        [stationA, '2026-11-04', '1', '0', '1', '0', '0', '', '', ''],
      ]);
    });

    it('takes the previous calendar month when no dates are given, and another currency when asked', async () => {
      const queued = await request(admin, {
        type: 'visits-summary',
        format: 'csv',
        criteria: { period: 'week', currency: 'SEK' },
      });
      expect(queued.criteria).toMatchObject({
        ...previousMonth('Europe/Helsinki', new Date()),
        period: 'week',
        currency: 'SEK',
      });
      const { bytes } = await written({
        type: 'visits-summary',
        format: 'csv',
        locale: 'en',
        criteria: { ...november, period: 'week', currency: 'SEK', stationIds: [stationA] },
      });
      // ISO weeks from Monday: 2026-11-01 is a Sunday, in the week of 26 October.
      const rows = csvRows(bytes, ',').slice(1);
      expect(rows.map((row) => [row[1], row[2], row[6], row[9]])).toEqual([
        ['2026-10-26', '1', '0', ''],
        ['2026-11-02', '2', '1', '999.00'],
        ['2026-11-16', '1', '0', ''],
      ]);
    });

    it('writes a summary of more groups than a page holds, each once, in station and period order', async () => {
      // Another tenant: 3 stations × 400 days, a visit and a sale of 1.00 € each day.
      const tenant = randomUUID();
      const stations = [stationA, stationB, otherStation];
      await dataSource.query(
        `INSERT INTO reporting.visits (tenant_id, visit_id, version, station_id, kind, channel,
           status, scheduled_at)
         SELECT $1, gen_random_uuid(), 1, s, 'inspection', 'walk_in', 'completed',
                timestamptz '2025-01-01T10:00:00Z' + d * interval '1 day'
           FROM unnest($2::uuid[]) s, generate_series(0, 399) d`,
        [tenant, stations],
      );
      await dataSource.query(
        `INSERT INTO reporting.sales (tenant_id, sale_id, station_id, sold_at, currency,
           total_minor, services_minor, products_minor)
         SELECT $1, gen_random_uuid(), s, timestamptz '2025-01-01T10:00:00Z' + d * interval '1 day',
                'EUR', 100, 100, 0
           FROM unnest($2::uuid[]) s, generate_series(0, 399) d`,
        [tenant, stations],
      );
      const owner: CallerContext = { ...admin, tenant: { ...admin.tenant!, id: tenant } };
      const queued = await request(owner, {
        type: 'visits-summary',
        format: 'csv',
        locale: 'en',
        criteria: { from: '2025-01-01', to: '2026-02-04', period: 'day' },
      });
      const view = await eventually(async () => {
        const seen = await reports().get(owner, queued.id);
        return seen.status === 'done' ? seen : undefined;
      }, 30_000);
      const rows = csvRows((await downloadReport(reports(), owner, view.id)).bytes, ',').slice(1);
      expect(view.rowCount).toBe(1200);
      expect(rows).toHaveLength(1200);
      const keys = rows.map((row) => `${row[0]} ${row[1]}`);
      expect(new Set(keys).size).toBe(1200);
      expect(keys).toEqual([...keys].sort());
      expect(rows.every((row) => row[2] === '1' && row[6] === '1' && row[9] === '1.00')).toBe(true);
    });

    it('answers 422 naming the field for bad dates, a range the wrong way, one date alone, bad stations or period; 403 for a worker', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ from: '2026-11-31', to: '2026-12-01' }, 'criteria.from'],
        [{ from: '1.11.2026', to: '2026-12-01' }, 'criteria.from'],
        [{ from: '2026-11-01', to: '2026-11-01T10:00:00Z' }, 'criteria.to'],
        [{ from: '2026-12-01', to: '2026-11-01' }, 'criteria.to'],
        [{ from: '2026-12-01' }, 'criteria.to'],
        [{ to: '2026-12-01' }, 'criteria.from'],
        [{ period: 'year' }, 'criteria.period'],
        [{ stationIds: ['nope'] }, 'criteria.stationIds'],
        [{ stationIds: stationA }, 'criteria.stationIds'],
        [{ currency: 'euro' }, 'criteria.currency'],
        [{ customerId: both }, 'criteria.customerId'],
      ];
      for (const [criteria, field] of cases) {
        const problem = await problemOf(
          request(admin, { type: 'visits-summary', format: 'csv', criteria }),
        );
        expect({
          criteria,
          status: problem.status,
          fields: problem.errors?.map((e) => e.field),
        }).toEqual({ criteria, status: 422, fields: [field] });
      }
      const refused = await problemOf(
        request(worker, { type: 'visits-summary', format: 'csv', criteria: november }),
      );
      expect(refused.status).toBe(403);
    });
  });
});
