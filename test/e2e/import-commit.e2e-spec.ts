import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ContactabilityView,
  CustomerConsentsView,
  ImportRowPage,
  ImportView,
  VehiclePage,
  VehicleView,
} from '@kanta/contracts';
import { eventually } from '@kanta/testing';
import {
  createTenant,
  expectProblem,
  startE2eSystem,
  type E2eSystem,
  type TenantFixture,
} from './support';

jest.setTimeout(180_000);

/*
 * The commit of an import (issue #16) through the whole system: a register with vehicles
 * uploaded to the gateway and planned, committed by the customers service's job, its vehicles
 * made by the vehicles service from the batch's event, the answer counted back: the import
 * ends `committed` with both parts. Its consent column, uploaded without a consent text, lands
 * in the consents service's ledger as given under an unknown text: outdated.
 */
describe('import commit (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  const importsDir = join(tmpdir(), `kanta-e2e-import-commit-${process.pid}`);

  beforeAll(async () => {
    e2e = await startE2eSystem('impcommit', { IMPORTS_DIR: importsDir });
    fi = await createTenant(e2e, 'impc-fi');
  });
  afterAll(async () => {
    await e2e?.stop();
    await rm(importsDir, { recursive: true, force: true });
  });

  const view = (id: string) => fi.admin.expect<ImportView>(200, 'GET', `/api/v1/imports/${id}`);

  it('commits customers and their vehicles, linking a plate the tenant has, and ends committed', async () => {
    const existing = await fi.admin.expect<VehicleView>(201, 'POST', '/api/v1/vehicles', {
      registration: 'OLD-101',
    });
    const csv = [
      'Etunimi;Sukunimi;Sähköposti;Rekisterinumero;Merkki;Malli;Sähköpostimarkkinointi',
      'Aino;Tuonti;aino.commit@example.test;ABC-101;Skoda;Octavia;kyllä',
      'Eino;Tuonti;eino.commit@example.test;old 101;Volvo;V70;ei',
      'Toivo;Tuonti;toivo.commit@example.test;;;;',
    ].join('\n');
    const form = new FormData();
    form.append('file', new Blob([Buffer.from(csv)]), 'rekisteri.csv');
    const uploaded = await fetch(`${fi.admin.baseUrl}/api/v1/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fi.admin.token}` },
      body: form,
    });
    expect([uploaded.status, uploaded.status === 202 ? '' : await uploaded.text()]).toEqual([
      202,
      '',
    ]);
    const { id } = (await uploaded.json()) as ImportView;
    const planned = await eventually(async () => {
      const v = await view(id);
      return v.status === 'planning' ? undefined : v;
    }, 60_000);
    expect(planned.counts).toMatchObject({ create: 3, error: 0 });

    expectProblem(
      await fi.admin.request('POST', `/api/v1/imports/${id}/commit`, { duplicates: 'all' }),
      422,
      'duplicates',
    );
    expectProblem(
      await fi.worker.request('POST', `/api/v1/imports/${id}/commit`, { duplicates: 'skip' }),
      403,
    );
    const started = await fi.admin.expect<ImportView>(202, 'POST', `/api/v1/imports/${id}/commit`, {
      duplicates: 'skip',
    });
    expect(['committing', 'committed']).toContain(started.status);
    expectProblem(
      await fi.admin.request('POST', `/api/v1/imports/${id}/commit`, { duplicates: 'skip' }),
      409,
    );

    const done = await eventually(async () => {
      const v = await view(id);
      return v.status === 'committed' ? v : undefined;
    }, 60_000);
    expect(done.commit).toMatchObject({ created: 3, failed: 0, committedThrough: 4 });
    expect(done.vehicles).toEqual({
      batchesSent: 1,
      batchesDone: 1,
      created: 1,
      linked: 1,
      refused: 0,
    });

    const rows = await fi.admin.expect<ImportRowPage>(200, 'GET', `/api/v1/imports/${id}/rows`);
    const customerOf = (row: number) => rows.items.find((r) => r.rowNumber === row)!.customerId!;
    const made = await fi.admin.expect<VehiclePage>(200, 'GET', '/api/v1/vehicles?q=ABC101');
    expect(made.items).toHaveLength(1);
    expect(made.items[0]).toMatchObject({
      registration: 'ABC-101',
      make: 'Skoda',
      model: 'Octavia',
      customers: [expect.objectContaining({ customerId: customerOf(2), role: 'owner' })],
    });
    const linked = await fi.admin.expect<VehicleView>(
      200,
      'GET',
      `/api/v1/vehicles/${existing.id}`,
    );
    expect(linked.customers).toEqual([
      expect.objectContaining({ customerId: customerOf(3), role: 'owner' }),
    ]);
    // The customers were made by the import, numbered as any create.
    const card = await fi.admin.expect<{ origin: string; customerNumber: string }>(
      200,
      'GET',
      `/api/v1/customers/${customerOf(2)}`,
    );
    expect(card.origin).toBe('import');
    expect(card.customerNumber).toMatch(/^\d+$/);
    // No consent text named at upload: the decisions are in the ledger under an unknown text,
    // outdated, so marketing must ask again first.
    const consentsOf = (row: number) =>
      fi.admin.expect<CustomerConsentsView>(
        200,
        'GET',
        `/api/v1/customers/${customerOf(row)}/consents`,
      );
    const granted = await eventually(async () => {
      const c = await consentsOf(2);
      return c.current.length > 0 ? c : undefined;
    }, 20_000);
    expect(granted.current).toEqual([
      expect.objectContaining({
        purpose: 'marketing_email',
        decision: 'granted',
        source: 'import',
        textId: null,
        textVersion: null,
        outdated: true,
      }),
    ]);
    expect(
      await fi.admin.expect<ContactabilityView>(
        200,
        'GET',
        `/api/v1/customers/${customerOf(2)}/contactability?purpose=marketing&channel=email`,
      ),
    ).toMatchObject({ allowed: false, reasons: ['text_outdated'] });
    const withdrawn = await eventually(async () => {
      const c = await consentsOf(3);
      return c.current.length > 0 ? c : undefined;
    }, 20_000);
    expect(withdrawn.current).toEqual([
      expect.objectContaining({ decision: 'withdrawn', textId: null, outdated: true }),
    ]);
    expect((await consentsOf(4)).current).toEqual([]);
    // The batch's plates beside customer ids are not kept once published: an erasure could not
    // find them there.
    await eventually(async () => {
      const [{ n }] = await e2e.database.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM customers.outbox WHERE type = 'customers.import.vehicles.v1'`,
      );
      return n === 0 ? true : undefined;
    }, 20_000);
  });
});
