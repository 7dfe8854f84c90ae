import ExcelJS from 'exceljs';
import type { CallerContext, ImportView } from '@kanta/contracts';
import { uuidv7 } from '@kanta/platform';
import { Imports } from '../src/imports/imports.service';
import { problemOf, startCustomers, tenantFixture, type CustomersHarness } from './support';

jest.setTimeout(120_000);

/** The dry run on files read by the service's own reader (services/customers/src/imports/files). */
describe('import dry run of real files (real Postgres and Redis)', () => {
  let h: CustomersHarness;
  let imports: Imports;
  beforeAll(async () => {
    h = await startCustomers('import-files');
    imports = h.app.get(Imports);
  });
  afterAll(async () => {
    await h.close();
  });

  /** Uploads the bytes in chunks of `chunk` bytes and starts the import. */
  const importFile = async (ctx: CallerContext, bytes: Buffer, chunk = 1024 * 1024) => {
    const uploadId = uuidv7();
    for (let offset = 0; offset < Math.max(1, bytes.length); offset += chunk) {
      await imports.uploadChunk(ctx, {
        uploadId,
        fileName: 'rekisteri.csv',
        offset,
        chunkBase64: bytes.subarray(offset, offset + chunk).toString('base64'),
      });
    }
    return imports.start(ctx, { uploadId, sizeBytes: bytes.length, options: {} });
  };
  const planned = async (ctx: CallerContext, id: string): Promise<ImportView> => {
    for (let i = 0; i < 1200; i++) {
      const view = await imports.get(ctx, id);
      if (view.status !== 'planning') return view;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the dry run did not end');
  };

  it('plans a Finnish CSV by its headers: creates, a duplicate in the file and errors on their fields', async () => {
    const t = tenantFixture('FI');
    const csv = [
      'Etunimi;Sukunimi;Puhelin;Sähköposti;Sähköpostimarkkinointi;Rekisterinumero;Merkki;Malli;Lempiväri',
      'Aino;Virta;040 111 2222;aino@example.test;kyllä;ABC-123;Volvo;V70;sininen',
      'Eino;Virta;040 111 2222;;ei;;;;',
      'Ville;Vika;12;;ehkä;XYZ-9;;;',
    ].join('\r\n');
    const view = await planned(t.admin, (await importFile(t.admin, Buffer.from(csv), 16)).id);
    expect(view).toMatchObject({ status: 'planned', format: 'csv', separator: ';' });
    expect(view.counts).toEqual({
      create: 1,
      update: 0,
      duplicate: 0,
      duplicateInFile: 1,
      error: 1,
    });
    expect(view.warnings.map((w) => [w.code, w.column])).toContainEqual([
      'import-column-unknown',
      'Lempiväri',
    ]);
    const rows = (await imports.rows(t.admin, { id: view.id })).items;
    expect(rows.map((r) => [r.rowNumber, r.outcome, r.firstRow])).toEqual([
      [2, 'create', null],
      [3, 'duplicate_in_file', 2],
      [4, 'error', null],
    ]);
    expect(rows[2].errors.map((e) => e.field).sort()).toEqual([
      'emailMarketing',
      'make',
      'model',
      'phone',
    ]);
    const [stored] = await h.dataSource.query(
      `SELECT planned FROM customers.import_rows WHERE tenant_id = $1 AND import_id = $2 AND row_number = 2`,
      [t.tenantId, view.id],
    );
    expect(stored.planned).toMatchObject({
      consents: { emailMarketing: true },
      vehicle: { registration: 'ABC-123', make: 'Volvo', model: 'V70' },
    });
  });

  it('refuses a legacy XLS with 415 and binary garbage with 422 when the import starts', async () => {
    const t = tenantFixture('FI');
    const xls = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(600),
    ]);
    const refusedXls = await problemOf(importFile(t.admin, xls));
    expect(refusedXls).toMatchObject({
      status: 415,
      type: 'https://kanta.dev/problems/import-xls-unsupported',
    });
    const garbage = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919) % 256));
    expect(await problemOf(importFile(t.admin, garbage))).toMatchObject({ status: 422 });
    expect(await problemOf(importFile(t.admin, Buffer.alloc(0)))).toMatchObject({ status: 422 });
  });

  it('answers the template in the asked locale, for admins only', async () => {
    const t = tenantFixture('FI');
    const file = await imports.template(t.admin, 'pl', false);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(file.chunkBase64, 'base64') as unknown as ArrayBuffer);
    const headers = (book.worksheets[0].getRow(1).values as unknown[]).map(String);
    expect(headers.join(' ')).toContain('Telefon');
    expect(headers.join(' ')).not.toContain('VIN');
    expect((await problemOf(imports.template(t.worker, 'fi', true))).status).toBe(403);
  });

  it('plans 20,000 rows in batches of 2,000, every row once', async () => {
    const t = tenantFixture('FI');
    const lines = ['Etunimi;Sukunimi;Puhelin;Sähköposti;Katuosoite;Postinumero;Lisätiedot'];
    for (let i = 0; i < 20_000; i++) {
      lines.push(
        `Etu${i};Suku${i};+35840${String(1_000_000 + i)};h${i}@example.test;Katu ${i};00${100 + (i % 800)};huom`,
      );
    }
    const view = await planned(
      t.admin,
      (await importFile(t.admin, Buffer.from(lines.join('\n')))).id,
    );
    expect(view.counts.create).toBe(20_000);
    expect(view.progress.rowsRead).toBe(20_000);
    const [{ count }] = await h.dataSource.query(
      `SELECT count(*)::int AS count FROM customers.import_rows WHERE tenant_id = $1 AND import_id = $2`,
      [t.tenantId, view.id],
    );
    expect(count).toBe(20_000);
  });
});
