import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCALES } from '@kanta/contracts';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { fieldOfHeader, templateFields, templateRequiredFields } from './import-fields';
import { buildImportTemplate } from './import-template';
import { openImportFile } from './open-import-file';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kanta-import-template-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook;
}

/** The text of a cell the template wrote (always a string). */
const text = (value: ExcelJS.CellValue): string => (typeof value === 'string' ? value : '');

const headersOf = (sheet: ExcelJS.Worksheet): string[] =>
  (sheet.getRow(1).values as ExcelJS.CellValue[]).slice(1).map(text);

describe('buildImportTemplate', () => {
  it.each(LOCALES.flatMap((locale) => [[locale, false] as const, [locale, true] as const]))(
    'writes %s headers (vehicles: %s) the header dictionary reads back as their fields',
    async (locale, vehicles) => {
      const workbook = await load(await buildImportTemplate(locale, vehicles));
      const [sheet, guide] = workbook.worksheets;
      const headers = headersOf(sheet);
      expect(headers.map(fieldOfHeader)).toEqual(templateFields(vehicles));
      expect(sheet.rowCount).toBe(1);
      expect(guide.rowCount).toBe(templateFields(vehicles).length + 1);
    },
  );

  it('marks the required columns bold with " *" and a note', async () => {
    const workbook = await load(await buildImportTemplate('fi', true));
    const sheet = workbook.worksheets[0];
    const required = templateRequiredFields(true);
    templateFields(true).forEach((field, i) => {
      const cell = sheet.getCell(1, i + 1);
      expect(cell.font?.bold).toBe(true);
      expect(text(cell.value).endsWith(' *')).toBe(required.has(field));
      expect(cell.note !== undefined).toBe(required.has(field));
    });
    expect(headersOf(sheet)).toEqual(expect.arrayContaining(['Rekisterinumero *', 'Merkki *']));
  });

  it('gives customer type and the consent columns drop-downs in the locale', async () => {
    const bytes = await buildImportTemplate('pl', false);
    const zip = await JSZip.loadAsync(bytes);
    const xml = await zip.file('xl/worksheets/sheet1.xml')!.async('string');
    const fields = templateFields(false);
    const letter = (field: string): string =>
      String.fromCharCode(65 + fields.indexOf(field as never));
    expect(xml).toContain(`sqref="${letter('kind')}2:${letter('kind')}5001"`);
    expect(xml).toContain('<formula1>&quot;osoba,firma&quot;</formula1>');
    expect(xml).toContain(`sqref="${letter('emailMarketing')}2:${letter('emailMarketing')}5001"`);
    expect(xml).toContain('<formula1>&quot;tak,nie&quot;</formula1>');
  });

  it('explains each column with a fictional example on the second sheet', async () => {
    const workbook = await load(await buildImportTemplate('en', true));
    const guide = workbook.worksheets[1];
    const rows = guide.getSheetValues().slice(2) as ExcelJS.CellValue[][];
    const byHeader = new Map(rows.map((row) => [text(row[1]), row]));
    expect(byHeader.get('Phone')?.[4]).toBe('+358 40 000 0000');
    expect(byHeader.get('First name *')?.[2]).toBe('yes');
    expect(text(byHeader.get('VIN')![3])).toContain('Optional');
    for (const row of rows) expect(text(row[3]).length).toBeGreaterThan(3);
  });

  it('is a file the import opens once a row is filled in', async () => {
    const workbook = await load(await buildImportTemplate('uk', true));
    const sheet = workbook.worksheets[0];
    const fields = templateFields(true);
    const row: Record<string, string> = {
      firstName: 'Тест',
      lastName: 'Клієнт',
      kind: 'фізична особа',
      plate: 'AA0000AA',
      make: 'Škoda',
      model: 'Octavia',
      smsMarketing: 'так',
    };
    fields.forEach((field, i) => {
      if (row[field]) sheet.getCell(2, i + 1).value = row[field];
    });
    const path = join(dir, 'filled.xlsx');
    writeFileSync(path, Buffer.from(await workbook.xlsx.writeBuffer()));
    const opened = await openImportFile(path);
    expect(opened.warnings).toEqual([]);
    const rows = [];
    for await (const batch of opened.batches(10)) rows.push(...batch);
    expect(rows).toHaveLength(1);
    expect(rows[0].values).toEqual(row);
  });
});
