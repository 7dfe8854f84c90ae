import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import type {
  AccessLogPage,
  ConsentTextView,
  CustomerView,
  DataExportView,
  ErasureView,
  MergeView,
  VisitView,
} from '@kanta/contracts';
import { DATA_EXPORT_FORMAT } from '@kanta/contracts';
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
 * The data hand-over (issue #14, Timma's "Luovuta tiedot") through the whole system: the privacy
 * service's job asks the customers, vehicles and consents services for their parts over RPC and
 * adds the access audit; the ZIP's data.json and data.xlsx hold every part.
 */
describe('the data hand-over (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let pl: TenantFixture;
  const canary = (field: string): string => `Hand${field}${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    // A sweep every half second, so that a file past its days is deleted within the test.
    e2e = await startE2eSystem('export', { PRIVACY_EXPORT_SWEEP_INTERVAL_MS: '500' });
    fi = await createTenant(e2e, 'exp-fi');
    pl = await createTenant(e2e, 'exp-pl', 'PL', 'pl');
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  const requestExport = (customerId: string, caller: KantaApi = fi.admin) =>
    caller.request<DataExportView>('POST', `/api/v1/customers/${customerId}/data-export`);

  const ready = (id: string, caller: KantaApi = fi.admin): Promise<DataExportView> =>
    eventually(async () => {
      const view = await caller.expect<DataExportView>(200, 'GET', `/api/v1/privacy/exports/${id}`);
      if (view.status === 'failed') throw new Error(`export failed: ${view.failure}`);
      return view.status === 'ready' ? view : undefined;
    }, 60_000);

  /** The file as bytes (KantaApi reads bodies as text), with the answer's headers. */
  const download = async (id: string, caller: KantaApi = fi.admin) => {
    // Through the client too, so the answer is checked against the OpenAPI document.
    expect((await caller.request('GET', `/api/v1/privacy/exports/${id}/file`)).status).toBe(200);
    const response = await fetch(`${caller.baseUrl}/api/v1/privacy/exports/${id}/file`, {
      headers: { authorization: `Bearer ${caller.token}` },
    });
    expect(response.status).toBe(200);
    return { headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  };

  const customer = (fields: Record<string, unknown> = {}, caller = fi) =>
    caller.admin.expect<CustomerView>(201, 'POST', '/api/v1/customers', {
      firstName: 'Luovutus',
      lastName: 'Testaaja',
      stationIds: [caller.stationIds[0]],
      ...fields,
    });

  it('hands over the card, reminders, vehicles, visits, sales, consents and the access audit as JSON and XLSX', async () => {
    const [north] = fi.stationIds;
    const tokens = {
      lastName: canary('Suku'),
      document: canary('Doc'),
      reminder: canary('Reminder'),
      visitNotes: canary('VisitNotes'),
      visitWish: canary('VisitWish'),
      saleLine: canary('SaleLine'),
      evidence: canary('Evidence'),
      textBody: canary('TextBody'),
    };
    const person = await customer({
      lastName: tokens.lastName,
      birthday: '1980-02-29',
      documents: [{ type: 'passport', number: tokens.document }],
      externalIds: [{ system: 'crm', id: 'CRM-1' }],
    });
    await fi.admin.expect(201, 'POST', `/api/v1/customers/${person.id}/reminders`, {
      dueAt: '2027-01-15T09:00:00Z',
      comment: tokens.reminder,
    });
    const vehicle = await fi.admin.expect<{ id: string }>(201, 'POST', '/api/v1/vehicles', {
      registration: 'EXP-101',
    });
    await fi.admin.expect(200, 'POST', `/api/v1/vehicles/${vehicle.id}/customers`, {
      customerId: person.id,
      role: 'owner',
    });
    const visit = await fi.admin.expect<VisitView>(201, 'POST', '/api/v1/visits', {
      customerId: person.id,
      stationId: north,
      vehicleId: vehicle.id,
      kind: 'inspection',
      scheduledAt: '2026-12-10T09:00:00Z',
      channel: 'phone',
      notes: tokens.visitNotes,
      specialRequests: tokens.visitWish,
    });
    await fi.admin.expect(201, 'POST', '/api/v1/sales', {
      customerId: person.id,
      stationId: north,
      visitId: visit.id,
      receiptNumber: 'R-EXPORT-1',
      soldAt: '2026-12-10T10:00:00Z',
      currency: 'EUR',
      lines: [
        {
          kind: 'service',
          name: tokens.saleLine,
          quantity: 1,
          unitPriceMinor: 5990,
          vatRate: 25.5,
          totalMinor: 5990,
        },
      ],
      totalMinor: 5990,
    });
    const text = await fi.admin.expect<ConsentTextView>(201, 'POST', '/api/v1/consent-texts', {
      purpose: 'marketing_email',
      locale: 'fi',
      body: tokens.textBody,
    });
    await fi.admin.expect(201, 'POST', `/api/v1/customers/${person.id}/consents`, {
      decisions: [
        {
          purpose: 'marketing_email',
          decision: 'granted',
          textId: text.id,
          evidence: { note: tokens.evidence },
        },
      ],
    });
    // A duplicate card of the person, merged into it: the merge is part of the hand-over.
    const duplicate = await customer({ lastName: tokens.lastName });
    const merge = await fi.admin.expect<MergeView>(
      202,
      'POST',
      `/api/v1/customers/${person.id}/merge`,
      { duplicateId: duplicate.id },
      { 'Idempotency-Key': `merge-${duplicate.id}` },
    );
    await eventually(async () => {
      const m = await fi.admin.expect<MergeView>(200, 'GET', `/api/v1/privacy/merges/${merge.id}`);
      return m.status === 'completed' ? m : undefined;
    }, 30_000);

    const response = await requestExport(person.id);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({
      customerId: person.id,
      status: 'pending',
      progress: { done: 0, total: 4 },
      completedAt: null,
      sizeBytes: null,
    });
    const done = await ready(response.body.id);
    expect(done.progress).toEqual({
      done: 4,
      total: 4,
      parts: ['customers', 'vehicles', 'consents', 'privacy'],
    });
    expect(done.sizeBytes).toBeGreaterThan(0);
    // Kept for the default 7 days.
    const days = (Date.parse(done.expiresAt!) - Date.parse(done.completedAt!)) / 86_400_000;
    expect(days).toBeCloseTo(7, 5);
    // The status page holds nothing of the person.
    expect(JSON.stringify(done)).not.toContain(tokens.lastName);

    const { headers, bytes } = await download(done.id);
    expect(headers.get('content-type')).toBe('application/zip');
    expect(headers.get('content-disposition')).toBe(
      `attachment; filename="data-export-${done.id}.zip"`,
    );
    expect(bytes.length).toBe(done.sizeBytes);
    const zip = await JSZip.loadAsync(bytes);
    expect(Object.keys(zip.files).sort()).toEqual(['data.json', 'data.xlsx']);

    const json = JSON.parse(await zip.file('data.json')!.async('string')) as Record<
      string,
      Record<string, unknown>
    >;
    expect(json).toMatchObject({
      format: DATA_EXPORT_FORMAT,
      exportId: done.id,
      customerId: person.id,
    });
    // The card with its sensitive fields in clear, for the person.
    expect(json.customers.customer).toMatchObject({
      id: person.id,
      lastName: tokens.lastName,
      birthday: '1980-02-29',
      documents: [expect.objectContaining({ number: tokens.document.toUpperCase() })],
      externalIds: [{ system: 'crm', id: 'CRM-1' }],
      sensitiveMasked: false,
    });
    expect(json.customers.reminders).toEqual([
      expect.objectContaining({ comment: tokens.reminder }),
    ]);
    expect(json.customers.marketingConsents).toEqual([
      { purpose: 'marketing_email', granted: true },
    ]);
    expect(json.vehicles.vehicles).toEqual([expect.objectContaining({ registration: 'EXP-101' })]);
    expect(json.vehicles.visits).toEqual([
      expect.objectContaining({
        id: visit.id,
        notes: tokens.visitNotes,
        specialRequests: tokens.visitWish,
      }),
    ]);
    expect(json.vehicles.sales).toEqual([
      expect.objectContaining({ lines: [expect.objectContaining({ name: tokens.saleLine })] }),
    ]);
    expect(json.consents.history).toEqual([
      expect.objectContaining({
        purpose: 'marketing_email',
        decision: 'granted',
        textId: text.id,
        textVersion: 1,
        evidence: expect.objectContaining({ note: tokens.evidence }),
      }),
    ]);
    expect(json.consents.texts).toEqual([
      expect.objectContaining({ id: text.id, body: tokens.textBody, version: 1 }),
    ]);
    expect(json.consents.preferences).toMatchObject({ customerId: person.id, blocked: false });
    // The access audit of the record, this export's request included.
    expect(json.privacy.accessLog).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'export', customerIds: [person.id] }),
      ]),
    );
    expect(json.privacy.merges).toEqual([
      expect.objectContaining({ id: merge.id, survivorId: person.id, duplicateId: duplicate.id }),
    ]);

    // The XLSX: a sheet per table, headed in the tenant's language (Finnish).
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await zip.file('data.xlsx')!.async('arraybuffer'));
    expect(book.worksheets.map((sheet) => sheet.name)).toEqual([
      'Asiakaskortti',
      'Muistutukset',
      'Markkinointiluvat',
      'Ajoneuvot',
      'Käynnit',
      'Myynnit',
      'Myyntirivit',
      'Suostumushistoria',
      'Suostumustekstit',
      'Viestintäasetukset',
      'Käyttöloki',
      'Yhdistämiset',
    ]);
    const values = (sheet: string, row: number): unknown[] =>
      (book.getWorksheet(sheet)!.getRow(row).values as unknown[]).slice(1);
    const card = book.getWorksheet('Asiakaskortti')!;
    const cardRows = new Map<unknown, unknown>();
    card.eachRow((row) => {
      const [field, value] = (row.values as unknown[]).slice(1);
      cardRows.set(field, value);
    });
    expect(cardRows.get('Kenttä')).toBe('Arvo');
    expect(cardRows.get('Sukunimi')).toBe(tokens.lastName);
    expect(cardRows.get('Syntymäpäivä')).toBe('1980-02-29');
    const visitHeaders = values('Käynnit', 1);
    expect(visitHeaders).toEqual(expect.arrayContaining(['Muistiinpanot', 'Erityistoiveet']));
    const visitRow = values('Käynnit', 2);
    expect(visitRow[visitHeaders.indexOf('Muistiinpanot')]).toBe(tokens.visitNotes);
    expect(visitRow[visitHeaders.indexOf('Erityistoiveet')]).toBe(tokens.visitWish);
    expect(values('Myyntirivit', 1)).toEqual(expect.arrayContaining(['Myynti', 'Nimi']));
    expect(values('Myyntirivit', 2)).toContain(tokens.saleLine);
    expect(values('Muistutukset', 2)).toContain(tokens.reminder);
    expect(values('Suostumustekstit', 2)).toContain(tokens.textBody);
    expect(values('Yhdistämiset', 1)).toEqual(
      expect.arrayContaining(['Säilynyt asiakas', 'Kaksoiskappale']),
    );
    expect(values('Yhdistämiset', 2)).toContain(duplicate.id);

    // Asking and each download are in the access audit: export once, handover per download.
    const audit = (action: string) =>
      fi.admin.expect<AccessLogPage>(
        200,
        'GET',
        `/api/v1/customers/${person.id}/access-log?action=${action}`,
      );
    expect((await audit('export')).items).toEqual([
      expect.objectContaining({ action: 'export', role: 'admin', customerIds: [person.id] }),
    ]);
    expect((await audit('handover')).items).toHaveLength(2);
  });

  it("heads the XLSX in the tenant's language (Polish)", async () => {
    const person = await customer({}, pl);
    const response = await requestExport(person.id, pl.admin);
    expect(response.status).toBe(202);
    await ready(response.body.id, pl.admin);
    const zip = await JSZip.loadAsync((await download(response.body.id, pl.admin)).bytes);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await zip.file('data.xlsx')!.async('arraybuffer'));
    expect(book.worksheets[0].name).toBe('Karta klienta');
    expect((book.worksheets[0].getRow(1).values as unknown[]).slice(1)).toEqual([
      'Pole',
      'Wartość',
    ]);
    expect(book.worksheets.map((sheet) => sheet.name)).toContain('Wizyty');
  });

  it('sends the same export again for the same Idempotency-Key', async () => {
    const person = await customer();
    const key = `export-${randomUUID()}`;
    const first = await fi.admin.request<DataExportView>(
      'POST',
      `/api/v1/customers/${person.id}/data-export`,
      undefined,
      { 'Idempotency-Key': key },
    );
    const again = await fi.admin.request<DataExportView>(
      'POST',
      `/api/v1/customers/${person.id}/data-export`,
      undefined,
      { 'Idempotency-Key': key },
    );
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
  });

  it('refuses an unknown or another tenant’s customer or export with 404', async () => {
    expectProblem(await requestExport(randomUUID()), 404);
    expectProblem(await fi.admin.request('GET', `/api/v1/privacy/exports/${randomUUID()}`), 404);
    expectProblem(
      await fi.admin.request('GET', `/api/v1/privacy/exports/${randomUUID()}/file`),
      404,
    );
    const theirs = await customer({}, pl);
    expectProblem(await requestExport(theirs.id), 404);
    const theirExport = await requestExport(theirs.id, pl.admin);
    expectProblem(
      await fi.admin.request('GET', `/api/v1/privacy/exports/${theirExport.body.id}`),
      404,
    );
    expectProblem(
      await fi.admin.request('GET', `/api/v1/privacy/exports/${theirExport.body.id}/file`),
      404,
    );
  });

  it('refuses workers and the superadmin with 403', async () => {
    const person = await customer();
    expectProblem(await requestExport(person.id, fi.worker), 403);
    expectProblem(await requestExport(person.id, e2e.superadmin), 403);
    const made = await requestExport(person.id);
    expectProblem(await fi.worker.request('GET', `/api/v1/privacy/exports/${made.body.id}`), 403);
    expectProblem(
      await fi.worker.request('GET', `/api/v1/privacy/exports/${made.body.id}/file`),
      403,
    );
  });

  it('refuses an erased customer with 409 customer-erased', async () => {
    const person = await customer();
    await fi.admin.expect<ErasureView>(202, 'POST', `/api/v1/customers/${person.id}/erase`, {
      reason: 'customer_request',
      confirmCustomerNumber: person.customerNumber,
    });
    const response = await requestExport(person.id);
    expectProblem(response, 409);
    expect((response.body as unknown as { type: string }).type).toContain('customer-erased');
  });

  it('answers the file 409 while the export is not ready, and 410 once its days are over and the sweep deleted it', async () => {
    const person = await customer();
    const made = await requestExport(person.id);
    const done = await ready(made.body.id);
    const file = `/api/v1/privacy/exports/${done.id}/file`;

    // Running again, as if its job had just started (the sweep leaves a fresh run alone).
    await e2e.database.query(
      `UPDATE privacy.data_exports SET status = 'running', file = NULL, started_at = now()
        WHERE id = $1`,
      [done.id],
    );
    const running = await fi.admin.request<{ type: string }>('GET', file);
    expectProblem(running, 409);
    expect(running.body.type).toContain('export-not-ready');

    // Ready again, and past its days: the sweep deletes the bytes.
    await e2e.database.query(
      `UPDATE privacy.data_exports SET status = 'ready', file = '\\x00'::bytea,
              expires_at = now() - interval '1 second'
        WHERE id = $1`,
      [done.id],
    );
    const expired = await eventually(async () => {
      const view = await fi.admin.expect<DataExportView>(
        200,
        'GET',
        `/api/v1/privacy/exports/${done.id}`,
      );
      return view.status === 'expired' ? view : undefined;
    }, 15_000);
    expect(expired.status).toBe('expired');
    const [row] = await e2e.database.query<{ file: Buffer | null }>(
      'SELECT file FROM privacy.data_exports WHERE id = $1',
      [done.id],
    );
    expect(row.file).toBeNull();
    const gone = await fi.admin.request<{ type: string }>('GET', file);
    expectProblem(gone, 410);
    expect(gone.body.type).toContain('export-expired');
  });
});
