import { rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { ImportRowPage, ImportView, ProblemDetails } from '@kanta/contracts';
import { eventually } from '@kanta/testing';
import type { KantaApi } from '@kanta/local';
import { createTenant, startE2eSystem, type E2eSystem, type TenantFixture } from './support';

jest.setTimeout(180_000);

const MAX_BYTES = 200_000;

/** The 202's import, or a problem. */
interface UploadAnswer {
  id: string;
  status: ImportView['status'] | number;
  type?: string;
  errors?: ProblemDetails['errors'];
}

/**
 * A multipart POST /imports that reads the answer even when the gateway answers before taking
 * the whole body (a refusal closes the connection, and the rest of the body meets EPIPE).
 */
async function post(
  caller: KantaApi,
  form: FormData,
): Promise<{ status: number; contentType: string; body: UploadAnswer }> {
  const encoded = new Response(form);
  const contentType = encoded.headers.get('content-type') ?? '';
  const bytes = Buffer.from(await encoded.arrayBuffer());
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(
      `${caller.baseUrl}/api/v1/imports`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${caller.token}`,
          'content-type': contentType,
          'content-length': String(bytes.length),
        },
      },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as UploadAnswer,
          }),
        );
      },
    );
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    request.end(bytes);
  });
}

/**
 * The import's dry run (issue #16) through the whole system: a register uploaded as multipart to
 * the gateway, streamed to the customers service, planned by its job, its rows and errors.xlsx
 * read back; and the refusals, each a problem document.
 */
describe('import dry run (whole system)', () => {
  let e2e: E2eSystem;
  let fi: TenantFixture;
  let other: TenantFixture;
  const importsDir = join(tmpdir(), `kanta-e2e-imports-${process.pid}`);

  beforeAll(async () => {
    e2e = await startE2eSystem('imports', {
      IMPORTS_DIR: importsDir,
      IMPORT_MAX_BYTES: String(MAX_BYTES),
    });
    fi = await createTenant(e2e, 'imp-fi');
    other = await createTenant(e2e, 'imp-other');
  });
  afterAll(async () => {
    await e2e?.stop();
    await rm(importsDir, { recursive: true, force: true });
  });

  /** POST /imports with the options as fields before the file. */
  const upload = async (
    caller: KantaApi,
    file: Buffer | string,
    fields: Record<string, string> = {},
    fileName = 'rekisteri.csv',
  ) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([Buffer.from(file)]), fileName);
    return post(caller, form);
  };
  const expectProblem = (
    answer: { status: number; contentType: string; body: UploadAnswer },
    status: number,
    type?: string,
  ) => {
    expect(answer.status).toBe(status);
    expect(answer.contentType).toContain('application/problem+json');
    if (type) expect(answer.body.type).toBe(`https://kanta.dev/problems/${type}`);
  };
  const planned = (id: string, caller: KantaApi = fi.admin) =>
    eventually(async () => {
      const view = await caller.expect<ImportView>(200, 'GET', `/api/v1/imports/${id}`);
      return view.status === 'planning' ? undefined : view;
    }, 60_000);

  it('uploads a CSV, plans it, pages its rows and gives back the error rows in errors.xlsx', async () => {
    const csv = [
      'Etunimi;Sukunimi;Puhelin;Sähköposti',
      'Aino;Tuonti;040 555 0001;aino.tuonti@example.test',
      'Eino;Tuonti;040 555 0001;',
      '=cmd;Virhe;12;',
    ].join('\n');
    const answer = await upload(fi.admin, csv, { externalIdSystem: 'timma' });
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('planning');
    const view = await planned(answer.body.id);
    expect(view).toMatchObject({ status: 'planned', fileName: 'rekisteri.csv', format: 'csv' });
    expect(view.counts).toEqual({
      create: 1,
      update: 0,
      duplicate: 0,
      duplicateInFile: 1,
      error: 1,
    });
    const errors = await fi.admin.expect<ImportRowPage>(
      200,
      'GET',
      `/api/v1/imports/${view.id}/rows?outcome=error`,
    );
    expect(errors.items.map((r) => [r.rowNumber, r.errors.map((e) => e.field)])).toEqual([
      [4, ['phone']],
    ]);
    // Said in the tenant's language, the column named by its Finnish header.
    expect(errors.items[0].errors[0].message).toBe('"Puhelin" ei ole soitettava puhelinnumero.');
    const list = await fi.admin.expect<{ items: ImportView[] }>(200, 'GET', '/api/v1/imports');
    expect(list.items.map((i) => i.id)).toContain(view.id);

    const file = await fetch(`${fi.admin.baseUrl}/api/v1/imports/${view.id}/errors.xlsx`, {
      headers: { authorization: `Bearer ${fi.admin.token}` },
    });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toContain('rekisteri-errors.xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await file.arrayBuffer());
    const row = book.worksheets[0].getRow(2).values as unknown[];
    expect(row.slice(1, 4)).toEqual([4, "'=cmd", 'Virhe']);
    expect(String(row[6])).toContain('phone');
  });

  it('gives the template as an XLSX attachment in the asked locale', async () => {
    const response = await fetch(
      `${fi.admin.baseUrl}/api/v1/imports/template?locale=fr&vehicles=true`,
      { headers: { authorization: `Bearer ${fi.admin.token}` } },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain('attachment');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await response.arrayBuffer());
    expect(book.worksheets.length).toBeGreaterThanOrEqual(2);
    const bad = await fi.admin.request('GET', '/api/v1/imports/template?locale=xx');
    expect(bad.status).toBe(422);
    expect((await fi.worker.request('GET', '/api/v1/imports/template')).status).toBe(403);
  });

  it('is for admins: a worker gets 403, another tenant 404 on every route', async () => {
    expectProblem(await upload(fi.worker, 'Etunimi;Sukunimi\nA;B'), 403);
    const { body } = await upload(fi.admin, 'Etunimi;Sukunimi\nToinen;Vuokralainen');
    await planned(body.id);
    for (const path of ['', '/rows', '/errors.xlsx']) {
      const answer = await other.admin.request('GET', `/api/v1/imports/${body.id}${path}`);
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await other.admin.request('DELETE', `/api/v1/imports/${body.id}`)).status).toBe(404);
    expect((await fi.worker.request('GET', `/api/v1/imports/${body.id}`)).status).toBe(403);
    const cancelled = await fi.admin.expect<ImportView>(
      200,
      'DELETE',
      `/api/v1/imports/${body.id}`,
    );
    expect(cancelled.status).toBe('cancelled');
  });

  it('refuses a file over IMPORT_MAX_BYTES with 413, a legacy XLS with 415 and garbage with 422', async () => {
    expectProblem(
      await upload(fi.admin, Buffer.alloc(MAX_BYTES + 1_000, 'a')),
      413,
      'import-file-too-large',
    );
    const xls = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(1000),
    ]);
    expectProblem(await upload(fi.admin, xls, {}, 'vanha.xls'), 415, 'import-xls-unsupported');
    const garbage = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256));
    expectProblem(await upload(fi.admin, garbage), 422);
    expectProblem(await upload(fi.admin, 'Etunimi;Sukunimi\n'), 422);
  });

  it('names the field of a bad option, and of a missing file, in a 422', async () => {
    const bad = await upload(fi.admin, 'Etunimi;Sukunimi\nA;B', { encoding: 'ebcdic' });
    expectProblem(bad, 422);
    expect(bad.body.errors?.map((e) => e.field)).toEqual(['encoding']);
    const mapping = await upload(fi.admin, 'Etunimi;Sukunimi\nA;B', { mapping: '{not json' });
    expect(mapping.body.errors?.map((e) => e.field)).toEqual(['mapping']);
    // A consent text the tenant does not have: refused before the file, not at every customer.
    const text = await upload(fi.admin, 'Etunimi;Sukunimi\nA;B', {
      consentTextId: '00000000-0000-4000-8000-000000000000',
    });
    expectProblem(text, 422);
    expect(text.body.errors).toEqual([
      expect.objectContaining({ field: 'consentTextId', reason: 'unknown_text' }),
    ]);
    const form = new FormData();
    form.append('encoding', 'utf-8');
    const none = await post(fi.admin, form);
    expectProblem(none, 422);
    expect(none.body.errors?.[0].field).toBe('file');
    const json = await fi.admin.request('POST', '/api/v1/imports', { file: 'x' });
    expect(json.status).toBe(415);
  });
});
