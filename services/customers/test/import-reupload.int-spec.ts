import { readFile } from 'node:fs/promises';
import type { CallerContext, ImportView } from '@kanta/contracts';
import { uuidv7 } from '@kanta/platform';
import { eventually } from '@kanta/testing';
import type { ImportSourceRow } from '../src/imports/dry-run/row-check';
import { ImportCommit } from '../src/imports/commit/import-commit';
import type { ImportFileReader } from '../src/imports/import-reader';
import { Imports } from '../src/imports/imports.service';
import { startCustomers, tenantFixture, type CustomersHarness } from './support';

jest.setTimeout(60_000);

/** The file is its rows as JSON (the reader has tests of its own), so the same rows: the same bytes. */
const rowsReader: ImportFileReader = {
  async open(path) {
    const { headers, rows } = JSON.parse((await readFile(path)).toString('utf8')) as {
      headers: string[];
      rows: ImportSourceRow[];
    };
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
  message: (code) => `message of ${code}`,
  template: () => Promise.resolve(Buffer.from('PK template')),
};

const row = (rowNumber: number, values: Record<string, string>): ImportSourceRow => ({
  rowNumber,
  values,
  raw: Object.values(values),
  problems: [],
});

/*
 * issue #16: "Uploading the same file again after a commit creates nothing new" — the dry run
 * of the same file (same SHA-256) plans the rows the first import committed as updates of the
 * customers it made, and their commit creates no card, whatever the duplicates policy.
 */
describe('the same file uploaded again after its commit (real Postgres and Redis)', () => {
  let h: CustomersHarness;
  let imports: Imports;
  beforeAll(async () => {
    h = await startCustomers('import-reupload', { imports: { importFileReader: rowsReader } });
    imports = h.app.get(Imports);
  });
  afterAll(async () => {
    await h.close();
  });

  const dryRun = async (ctx: CallerContext, content: string): Promise<ImportView> => {
    const uploadId = uuidv7();
    await imports.uploadChunk(ctx, {
      uploadId,
      fileName: 'timma.csv',
      offset: 0,
      chunkBase64: Buffer.from(content).toString('base64'),
    });
    const started = await imports.start(ctx, {
      uploadId,
      sizeBytes: Buffer.byteLength(content),
      options: {},
    });
    return eventually(async () => {
      const view = await imports.get(ctx, started.id);
      return view.status === 'planned' ? view : undefined;
    }, 20_000);
  };
  const committed = (ctx: CallerContext, id: string) =>
    eventually(async () => {
      const view = await imports.get(ctx, id);
      return view.status === 'committed' ? view : undefined;
    }, 20_000);

  it('plans updates of the customers the first commit made, and creates nothing new', async () => {
    const t = tenantFixture('FI');
    const content = JSON.stringify({
      headers: ['Nimi', 'Sähköposti', 'Puhelin'],
      rows: [
        row(2, { fullName: 'Aino Ensimmäinen', email: 'aino.e@example.test' }),
        row(3, { fullName: 'Eero Toinen', phone: '040 765 4321' }),
        row(4, { fullName: 'Ilman Yhteystietoja' }),
        row(5, { fullName: 'Aino Kopio', email: 'aino.e@example.test' }),
      ],
    });
    const first = await dryRun(t.admin, content);
    expect(first.counts).toMatchObject({ create: 3, duplicateInFile: 1 });
    await h.app.get(ImportCommit).start(t.admin, first.id, 'create');
    expect((await committed(t.admin, first.id)).commit).toMatchObject({ created: 3, skipped: 1 });
    const count = async () =>
      (
        await h.dataSource.query<{ n: number }[]>(
          'SELECT count(*)::int AS n FROM customers.customers WHERE tenant_id = $1',
          [t.tenantId],
        )
      )[0].n;
    expect(await count()).toBe(3);

    const again = await dryRun(t.admin, content);
    expect(again.counts).toMatchObject({ create: 0, update: 3, duplicateInFile: 1 });
    const rows = (await imports.rows(t.admin, { id: again.id, limit: 10 })).items;
    const before = (await imports.rows(t.admin, { id: first.id, limit: 10 })).items;
    expect(rows.map((r) => r.customerId)).toEqual(before.map((r) => r.customerId));

    // Even with `create` for duplicates: the rows are updates now.
    await h.app.get(ImportCommit).start(t.admin, again.id, 'create');
    expect((await committed(t.admin, again.id)).commit).toMatchObject({
      created: 0,
      updated: 3,
      skipped: 1,
    });
    expect(await count()).toBe(3);
  });
});
