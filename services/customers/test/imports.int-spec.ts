import { readFile } from 'node:fs/promises';
import { Client } from 'pg';
import ExcelJS from 'exceljs';
import type { CallerContext, ImportRowView, ImportView } from '@kanta/contracts';
import { uuidv7 } from '@kanta/platform';
import { candidatesStatement } from '../src/duplicates/duplicates.repository';
import { DuplicatesService } from '../src/duplicates/duplicates.service';
import { ImportDryRun } from '../src/imports/dry-run/import-dry-run';
import { ImportPlanSweep } from '../src/imports/dry-run/import-plan.sweep';
import type { ImportSourceRow } from '../src/imports/dry-run/row-check';
import { IMPORT_LEASE_SPACE } from '../src/imports/import-leases';
import { importMessage } from '../src/imports/files';
import { importFileReader } from '../src/imports/import-file-reader';
import type { ImportFileReader } from '../src/imports/import-reader';
import { Imports } from '../src/imports/imports.service';
import { problemOf, startCustomers, tenantFixture, type CustomersHarness } from './support';

jest.setTimeout(60_000);

/**
 * A stand-in for the file reader (services/customers/src/imports/files, tested on its own): the
 * "file" is the rows themselves as JSON, so these tests say what the dry run plans for rows, not
 * how a CSV is read. A file starting with `XLS` is refused as the reader refuses a legacy XLS.
 */
const rowsReader: ImportFileReader = {
  async open(path) {
    const text = (await readFile(path)).toString('utf8');
    if (text.startsWith('XLS')) {
      throw Object.assign(new Error('xls'), { status: 415, code: 'import-xls-unsupported' });
    }
    const { headers, rows } = JSON.parse(text) as { headers: string[]; rows: ImportSourceRow[] };
    return {
      format: 'csv',
      encoding: 'utf-8',
      separator: ';',
      headers,
      warnings: [],
      async *batches(size: number) {
        for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
      },
      close: () => Promise.resolve(),
    };
  },
  // The service's own sentences (localised), as the real reader gives them.
  message: importFileReader.message,
  template: () => Promise.resolve(Buffer.from('PK template')),
};

const HEADERS = ['Nimi', 'Puhelin', 'Sähköposti', 'Asiakasnumero', 'Rekisteri'];

/** A row of the stand-in file, its cells in HEADERS' order. */
function row(rowNumber: number, values: Record<string, string>): ImportSourceRow {
  return {
    rowNumber,
    values,
    raw: [
      values.fullName ?? '',
      values.phone ?? '',
      values.email ?? '',
      values.customerNumber ?? '',
      values.plate ?? '',
    ],
    problems: [],
  };
}

describe('import dry run (real Postgres and Redis)', () => {
  let h: CustomersHarness;
  let imports: Imports;
  beforeAll(async () => {
    h = await startCustomers('imports', {
      imports: { importFileReader: rowsReader, importMaxBytes: 4096 },
    });
    imports = h.app.get(Imports);
  });
  afterAll(async () => {
    await h.close();
  });

  const upload = async (ctx: CallerContext, content: string | Buffer): Promise<string> => {
    const uploadId = uuidv7();
    const bytes = Buffer.from(content);
    await imports.uploadChunk(ctx, {
      uploadId,
      fileName: 'register.csv',
      offset: 0,
      chunkBase64: bytes.toString('base64'),
    });
    return uploadId;
  };
  const startWith = async (ctx: CallerContext, rows: ImportSourceRow[]): Promise<ImportView> => {
    const content = JSON.stringify({ headers: HEADERS, rows });
    const uploadId = await upload(ctx, content);
    return imports.start(ctx, {
      uploadId,
      sizeBytes: Buffer.byteLength(content),
      options: { externalIdSystem: 'timma' },
    });
  };
  const planned = async (ctx: CallerContext, id: string): Promise<ImportView> => {
    for (let i = 0; i < 300; i++) {
      const view = await imports.get(ctx, id);
      if (view.status !== 'planning') return view;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the dry run did not end');
  };
  const rowsOf = async (ctx: CallerContext, id: string, outcome?: ImportRowView['outcome']) =>
    (await imports.rows(ctx, { id, outcome, limit: 100 })).items;

  it('plans create, update by customer number and external id, duplicate, duplicate in file and error', async () => {
    const t = tenantFixture('FI');
    const byNumber = (
      await h.customers.create(t.admin, {
        firstName: 'Numero',
        lastName: 'Olemassa',
        customerNumber: 'IMP-1',
      })
    ).customer;
    const byExternal = (
      await h.customers.create(t.admin, {
        firstName: 'Ulkoinen',
        lastName: 'Olemassa',
        externalIds: [{ system: 'timma', id: 'T-77' }],
      })
    ).customer;
    const byPhone = (
      await h.customers.create(t.admin, {
        firstName: 'Puhelin',
        lastName: 'Olemassa',
        phone: '040 123 4567',
      })
    ).customer;

    const started = await startWith(t.admin, [
      row(2, { fullName: 'Aino Uusi', email: 'aino@example.test' }),
      row(3, { fullName: 'Numero Päivitys', customerNumber: 'IMP-1' }),
      row(4, { fullName: 'Ulkoinen Päivitys', externalId: 'T-77' }),
      row(5, { fullName: 'Toinen Ihminen', phone: '+358 40 1234567' }),
      row(6, { fullName: 'Aino Kopio', email: 'AINO@example.test' }),
      row(7, { fullName: 'Väärä Numero', phone: '12' }),
      row(8, { fullName: 'Auto Omistaja', plate: 'ABC-123', vin: 'not a vin' }),
    ]);
    expect(started.status).toBe('planning');
    const view = await planned(t.admin, started.id);
    expect(view.status).toBe('planned');
    expect(view.counts).toEqual({
      create: 1,
      update: 2,
      duplicate: 1,
      duplicateInFile: 1,
      error: 2,
    });
    expect(view.progress.rowsRead).toBe(7);

    const rows = await rowsOf(t.admin, view.id);
    const by = (n: number) => rows.find((r) => r.rowNumber === n)!;
    expect(by(2)).toMatchObject({ outcome: 'create', customerId: null, errors: [] });
    expect(by(3)).toMatchObject({ outcome: 'update', customerId: byNumber.id });
    expect(by(4)).toMatchObject({ outcome: 'update', customerId: byExternal.id });
    expect(by(5)).toMatchObject({
      outcome: 'duplicate',
      customerId: byPhone.id,
      duplicateReason: 'phone',
    });
    expect(by(6)).toMatchObject({ outcome: 'duplicate_in_file', firstRow: 2 });
    expect(by(7).outcome).toBe('error');
    expect(by(8).errors.map((e) => e.field)).toEqual(['make', 'model', 'vin']);

    // The same verdict as the API's for the same phone, said in the tenant's language.
    const api = await problemOf(
      h.customers.create(t.admin, { firstName: 'Väärä', lastName: 'Numero', phone: '12' }),
    );
    expect(by(7).errors.map(({ field, reason }) => ({ field, reason }))).toEqual(
      api.errors!.map(({ field, reason }) => ({ field, reason })),
    );
    expect(by(7).errors[0].message).toBe('"Puhelin" ei ole soitettava puhelinnumero.');

    expect((await rowsOf(t.admin, view.id, 'error')).map((r) => r.rowNumber)).toEqual([7, 8]);
    // The file is gone once read; the plan holds what the commit needs.
    await expect(
      readFile(h.app.get(ImportDryRun)['files'].uploadPath(t.tenantId, view.id)),
    ).rejects.toThrow();
    const [stored] = await h.dataSource.query(
      `SELECT planned FROM customers.import_rows WHERE tenant_id = $1 AND import_id = $2 AND row_number = 2`,
      [t.tenantId, view.id],
    );
    expect(stored.planned).toEqual({
      customer: {
        origin: 'import',
        kind: 'person',
        firstName: 'Aino',
        lastName: 'Uusi',
        email: 'aino@example.test',
      },
      consents: {},
    });
  });

  it('judges a row by the tenant’s field rules', async () => {
    const t = tenantFixture('FI');
    const rules = await h.fieldRules.get(t.admin);
    await h.fieldRules.put(t.admin, {
      ...rules,
      person: { ...rules.person, required: [...rules.person.required, 'email'] },
    });
    const view = await planned(
      t.admin,
      (await startWith(t.admin, [row(2, { fullName: 'Ei Postia' })])).id,
    );
    const [only] = await rowsOf(t.admin, view.id);
    expect(only.outcome).toBe('error');
    expect(only.errors).toEqual([
      // The API's reason, said in the tenant's language with the column's header.
      { field: 'email', reason: 'required', message: '"Sähköposti" on pakollinen.' },
    ]);
  });

  it('pages rows by row number with a cursor', async () => {
    const t = tenantFixture('FI');
    const rows = Array.from({ length: 30 }, (_, i) => row(i + 2, { fullName: `Rivi Numero${i}` }));
    const view = await planned(t.admin, (await startWith(t.admin, rows)).id);
    const first = await imports.rows(t.admin, { id: view.id, limit: 20 });
    expect(first.items).toHaveLength(20);
    const second = await imports.rows(t.admin, {
      id: view.id,
      limit: 20,
      cursor: first.nextCursor!,
    });
    expect(second.items.map((r) => r.rowNumber)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 22),
    );
    expect(second.nextCursor).toBeNull();
    expect(
      (await problemOf(imports.rows(t.admin, { id: view.id, cursor: 'nonsense' }))).status,
    ).toBe(422);
  });

  it('writes errors.xlsx: the error rows as uploaded with an error column, formulas made text', async () => {
    const t = tenantFixture('FI');
    const view = await planned(
      t.admin,
      (
        await startWith(t.admin, [
          row(2, { fullName: 'Hyvä Rivi' }),
          row(3, { fullName: '=HYPERLINK("x")', phone: 'abc' }),
        ])
      ).id,
    );
    const chunk = await imports.errorsFile(t.admin, view.id);
    expect(chunk.nextOffset).toBeNull();
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(chunk.chunkBase64, 'base64') as unknown as ArrayBuffer);
    const sheet = book.worksheets[0];
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(['Rivi', ...HEADERS, 'Virhe']);
    const cells = sheet.getRow(2).values as unknown[];
    expect(cells[1]).toBe(3);
    expect(cells[2]).toBe('\'=HYPERLINK("x")');
    expect(String(cells[7])).toContain('phone:');
    expect(sheet.rowCount).toBe(2);
  });

  it('refuses a file the reader cannot read at start, and fails the import with its problem', async () => {
    const t = tenantFixture('FI');
    const uploadId = await upload(t.admin, 'XLS binary');
    const problem = await problemOf(
      imports.start(t.admin, { uploadId, sizeBytes: 10, options: {} }),
    );
    expect(problem).toMatchObject({
      status: 415,
      type: 'https://kanta.dev/problems/import-xls-unsupported',
      detail: importMessage('import-xls-unsupported', 'fi'),
    });
    expect((await imports.get(t.admin, uploadId)).status).toBe('failed');
  });

  it('takes chunks at their offset: one sent again writes the same bytes, a gap is a 409, too many bytes a 413', async () => {
    const t = tenantFixture('FI');
    const content = Buffer.from(
      JSON.stringify({ headers: HEADERS, rows: [row(2, { fullName: 'Kaksi Osaa' })] }),
    );
    const uploadId = uuidv7();
    const send = (offset: number, bytes: Buffer) =>
      imports.uploadChunk(t.admin, {
        uploadId,
        fileName: 'x.csv',
        offset,
        chunkBase64: bytes.toString('base64'),
      });
    const half = Math.floor(content.length / 2);
    await send(0, content.subarray(0, half));
    expect((await problemOf(send(half + 1, content.subarray(half + 1)))).status).toBe(409);
    await send(half, content.subarray(half));
    expect((await send(0, content.subarray(0, half))).received).toBe(content.length);
    expect((await problemOf(send(content.length, Buffer.alloc(5000)))).status).toBe(413);
    const view = await imports.start(t.admin, { uploadId, sizeBytes: content.length, options: {} });
    expect((await planned(t.admin, view.id)).counts.create).toBe(1);
  });

  it('is the tenant’s admins’: a worker gets 403, another tenant 404', async () => {
    const t = tenantFixture('FI');
    const other = tenantFixture('FI');
    const view = await startWith(t.admin, [row(2, { fullName: 'Oma Asiakas' })]);
    expect((await problemOf(imports.get(t.worker, view.id))).status).toBe(403);
    expect((await problemOf(upload(t.worker, 'x'))).status).toBe(403);
    expect((await problemOf(imports.get(other.admin, view.id))).status).toBe(404);
    expect((await problemOf(imports.rows(other.admin, { id: view.id }))).status).toBe(404);
    expect((await problemOf(imports.delete(other.admin, view.id))).status).toBe(404);
    expect((await imports.list(other.admin, {})).items).toEqual([]);
    expect((await imports.list(t.admin, {})).items.map((i) => i.id)).toEqual([view.id]);
  });

  it('leaves an import whose lease another live run holds to that run, and plans it again from the start after', async () => {
    const t = tenantFixture('FI');
    const view = await startWith(t.admin, [row(2, { fullName: 'Ensin Odottaa' })]);
    await planned(t.admin, view.id);
    // As if a run had died half way: planning again, with a stale row and counts.
    await h.dataSource.query(
      `UPDATE customers.imports SET status = 'planning', n_error = 5, rows_read = 9
        WHERE tenant_id = $1 AND id = $2`,
      [t.tenantId, view.id],
    );
    const holder = new Client(h.db.runtime('customers'));
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock($1, hashtext($2))`, [
        IMPORT_LEASE_SPACE,
        view.id,
      ]);
      expect(await h.app.get(ImportDryRun).run(t.tenantId, view.id)).toBe('busy');
    } finally {
      await holder.end();
    }
    // The file is gone with the first run; put it back as the killed run would have left it.
    await imports['files'].writeChunk(
      t.tenantId,
      view.id,
      0,
      Buffer.from(
        JSON.stringify({ headers: HEADERS, rows: [row(2, { fullName: 'Ensin Odottaa' })] }),
      ),
    );
    expect(await h.app.get(ImportDryRun).run(t.tenantId, view.id)).toBe('planned');
    const again = await imports.get(t.admin, view.id);
    expect(again.counts).toEqual({
      create: 1,
      update: 0,
      duplicate: 0,
      duplicateInFile: 0,
      error: 0,
    });
    expect(again.progress.rowsRead).toBe(1);
  });

  it('the sweep plans an import whose job was lost, and deletes the imports whose days are over', async () => {
    const t = tenantFixture('FI');
    const lost = await startWith(t.admin, [row(2, { fullName: 'Kadonnut Työ' })]);
    await planned(t.admin, lost.id);
    // As if its job had been lost with Redis a while ago: planning, its file still there.
    await h.dataSource.query(
      `UPDATE customers.imports SET status = 'planning', created_at = now() - interval '5 minutes'
        WHERE tenant_id = $1 AND id = $2`,
      [t.tenantId, lost.id],
    );
    await imports['files'].writeChunk(
      t.tenantId,
      lost.id,
      0,
      Buffer.from(
        JSON.stringify({ headers: HEADERS, rows: [row(2, { fullName: 'Kadonnut Työ' })] }),
      ),
    );
    const old = await planned(
      t.admin,
      (await startWith(t.admin, [row(2, { fullName: 'Vanha Tuonti', phone: 'x' })])).id,
    );
    await h.dataSource.query(
      `UPDATE customers.imports SET expires_at = now() - interval '1 second'
        WHERE tenant_id = $1 AND id = $2`,
      [t.tenantId, old.id],
    );
    const errorsFile = imports['files'].errorsPath(t.tenantId, old.id);
    await readFile(errorsFile);

    await h.app.get(ImportPlanSweep).pass();

    expect((await imports.get(t.admin, lost.id)).status).toBe('planned');
    expect((await problemOf(imports.get(t.admin, old.id))).status).toBe(404);
    const [{ count }] = await h.dataSource.query(
      `SELECT count(*)::int AS count FROM customers.import_rows WHERE tenant_id = $1 AND import_id = $2`,
      [t.tenantId, old.id],
    );
    expect(count).toBe(0);
    await expect(readFile(errorsFile)).rejects.toThrow();
  });

  it('cancels a planned import and deletes its rows', async () => {
    const t = tenantFixture('FI');
    const view = await planned(
      t.admin,
      (await startWith(t.admin, [row(2, { fullName: 'Peru Tämä' })])).id,
    );
    expect((await imports.delete(t.admin, view.id)).status).toBe('cancelled');
    expect(await rowsOf(t.admin, view.id)).toEqual([]);
  });

  it('the batch matcher answers each probe’s first candidate of the API’s matcher', async () => {
    const t = tenantFixture('FI');
    const a = (
      await h.customers.create(t.admin, {
        firstName: 'Anna',
        lastName: 'Korhonen',
        phone: '0401110001',
        addresses: [{ type: 'home', postalCode: '00100' }],
      })
    ).customer;
    await h.customers.create(t.admin, {
      firstName: 'Pekka',
      lastName: 'Mäki',
      email: 'pekka@example.test',
    });
    // Two postal codes, a near name in each, and a far one: the set-based postal-code branch
    // finds them through any shared code, once per pair, and leaves the far name out.
    await h.customers.create(
      t.admin,
      {
        firstName: 'Anni',
        lastName: 'Korhonen',
        addresses: [
          { type: 'home', postalCode: '00100' },
          { type: 'work', postalCode: '33100' },
        ],
      },
      undefined,
      { allowDuplicate: true },
    );
    await h.customers.create(t.admin, {
      firstName: 'Matti',
      lastName: 'Virtanen',
      addresses: [{ type: 'home', postalCode: '33100' }],
    });
    const duplicates = h.app.get(DuplicatesService);
    const probes = [
      { firstName: 'Anne', lastName: 'Korhonen', postalCode: '00100' },
      { firstName: 'X', lastName: 'Y', email: 'pekka@example.test' },
      { firstName: 'Ei', lastName: 'Ketään' },
      { firstName: 'Muu', lastName: 'Nimi', phone: '+358401110001' },
      { firstName: 'Anni', lastName: 'Korhonen', postalCode: '33100' },
      { firstName: 'Maija', lastName: 'Virtanen', postalCode: '33100' },
      { firstName: 'Anne', lastName: 'Korhonen', postalCode: '00100', secondCode: '33100' },
      { firstName: 'Matti', lastName: 'Virtanen', postalCode: '00100' },
    ].map((p) => ({
      kind: 'person' as const,
      firstName: p.firstName,
      lastName: p.lastName,
      companyName: null,
      phone: p.phone ?? null,
      email: p.email ?? null,
      externalIds: [],
      customerNumber: null,
      addresses: [
        ...(p.postalCode ? [{ type: 'home', postalCode: p.postalCode }] : []),
        ...(p.secondCode ? [{ type: 'work', postalCode: p.secondCode }] : []),
      ],
      birthdayLookup: null,
    }));
    const batch = await duplicates.bestCandidatesFor(t.tenantId, probes);
    for (const [i, keys] of probes.entries()) {
      const { text, values } = candidatesStatement(t.tenantId, keys, {
        excludeId: null,
        limit: 50,
      });
      const [first] = await h.dataSource.query(text, values);
      const found = batch.find((c) => c.probe === i);
      expect(found && { ...found, probe: undefined }).toEqual(
        first && { ...first, probe: undefined },
      );
    }
    expect(batch.map((c) => c.customerId)).toContain(a.id);
    // Probes 4, 6 (a shared code each) and 5 (a far name: none by name and postal code).
    expect(batch.map((c) => c.probe).sort()).toEqual([0, 1, 3, 4, 6]);
  });
});
