import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { StalledSink, rowsTakenWhileStalled } from '../test/stalled-sink';
import type { ReportColumn } from './columns';
import { XlsxWriter } from './xlsx-writer';

// Tens of thousands of rows written and read back: seconds on a busy machine, not milliseconds.
jest.setTimeout(30_000);

const COLUMNS: ReportColumn[] = [
  { header: 'Nimi', type: 'text' },
  { header: 'Puhelin', type: 'phone' },
  { header: 'Luotu', type: 'datetime' },
  { header: 'Viimeisin käynti', type: 'date' },
  { header: 'Käyntejä', type: 'number' },
  { header: 'Ostot', type: 'money', width: 16 },
];

describe('XlsxWriter', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kanta-xlsx-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function read(file: string): Promise<ExcelJS.Workbook> {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    return workbook;
  }

  it('writes a workbook exceljs reads back with the values, types and formats', async () => {
    const file = join(dir, 'customers.xlsx');
    const book = new XlsxWriter(createWriteStream(file), {
      locale: 'fi',
      timeZone: 'Europe/Helsinki',
    });
    const sheet = book.addSheet('Käyneet', COLUMNS);
    await sheet.addRow([
      'Jääskeläinen <&> "Ää"',
      '+358401234567',
      new Date('2026-06-15T09:30:00Z'),
      '2026-06-20',
      3,
      1234.5,
    ]);
    await sheet.addRow([
      'Шевченко',
      '+380441234567',
      new Date('2026-01-01T22:30:00Z'),
      new Date('2026-01-01T22:30:00Z'),
      0,
      0,
    ]);
    await book.finish();

    const ws = (await read(file)).getWorksheet('Käyneet')!;
    expect(ws.rowCount).toBe(3);
    expect(ws.getRow(1).values).toEqual([
      undefined,
      'Nimi',
      'Puhelin',
      'Luotu',
      'Viimeisin käynti',
      'Käyntejä',
      'Ostot',
    ]);
    expect(ws.getCell('A1').font?.bold).toBe(true);

    const [name, phone, created, visited, visits, spent] = [1, 2, 3, 4, 5, 6].map((c) =>
      ws.getRow(2).getCell(c),
    );
    expect(name.value).toBe('Jääskeläinen <&> "Ää"');
    expect(phone.type).toBe(ExcelJS.ValueType.String);
    expect(phone.value).toBe('+358401234567');
    expect(phone.numFmt).toBe('@');
    // Excel dates carry the wall clock; exceljs reads a serial as that clock in UTC.
    expect(created.type).toBe(ExcelJS.ValueType.Date);
    expect(created.value).toEqual(new Date('2026-06-15T12:30:00Z'));
    expect(created.numFmt).toBe('d.m.yyyy h:mm');
    expect(visited.value).toEqual(new Date('2026-06-20T00:00:00Z'));
    expect(visited.numFmt).toBe('d.m.yyyy');
    expect(visits.value).toBe(3);
    expect(spent.type).toBe(ExcelJS.ValueType.Number);
    expect(spent.value).toBe(1234.5);
    expect(spent.numFmt).toContain('"€"');
    // 22:30 UTC on New Year's Day is already the 2nd in Helsinki.
    expect(ws.getCell('D3').value).toEqual(new Date('2026-01-02T00:00:00Z'));
    expect(ws.getCell('A3').value).toBe('Шевченко');
  });

  it('freezes the header row, filters every column over the rows written and sets widths', async () => {
    const file = join(dir, 'layout.xlsx');
    const book = new XlsxWriter(createWriteStream(file), { locale: 'en', timeZone: 'UTC' });
    const sheet = book.addSheet('Customers', COLUMNS);
    for (let i = 0; i < 5; i++) await sheet.addRow([`c${i}`, '+358401234567', null, null, i, i]);
    await book.finish();

    const ws = (await read(file)).getWorksheet('Customers')!;
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1, topLeftCell: 'A2' });
    expect(ws.autoFilter).toBe('A1:F6');
    expect(ws.getColumn(1).width).toBe(24);
    expect(ws.getColumn(6).width).toBe(16);
    expect(ws.getCell('C2').value).toBeNull();
  });

  it('neutralises formula triggers in text cells, keeps phone numbers as stored', async () => {
    const file = join(dir, 'injection.xlsx');
    const book = new XlsxWriter(createWriteStream(file), { locale: 'fi', timeZone: 'UTC' });
    const sheet = book.addSheet('X', [
      { header: 'Notes', type: 'text' },
      { header: 'Phone', type: 'phone' },
    ]);
    const triggers = ['=1+1', '+1+1', '-1+1', '@SUM(A1)', '\t=1', '\r=1'];
    for (const t of triggers) await sheet.addRow([t, '+358401234567']);
    await book.finish();

    const ws = (await read(file)).getWorksheet('X')!;
    triggers.forEach((t, i) => {
      expect(ws.getCell(`A${i + 2}`).type).toBe(ExcelJS.ValueType.String);
      expect(ws.getCell(`A${i + 2}`).value).toBe(`'${t}`);
      expect(ws.getCell(`B${i + 2}`).value).toBe('+358401234567');
    });
  });

  it('writes several sheets one after another, with localised formats', async () => {
    const file = join(dir, 'two.xlsx');
    const book = new XlsxWriter(createWriteStream(file), {
      locale: 'pl',
      timeZone: 'Europe/Warsaw',
      currency: 'PLN',
    });
    const visited = book.addSheet('Klienci z wizytą', COLUMNS);
    const added = book.addSheet('Nowi klienci', COLUMNS);
    await visited.addRow(['Wiśniewski', '+48601234567', null, '2026-03-01', 1, 99.99]);
    await added.addRow(['Nowak', '+48601234568', null, null, 0, 0]);
    await added.addRow(['Kowalska', '+48601234569', null, null, 0, 0]);
    await expect(visited.addRow(['late', null, null, null, 0, 0])).rejects.toThrow(/closed/);
    await book.finish();

    const workbook = await read(file);
    expect(workbook.worksheets.map((w) => [w.name, w.rowCount])).toEqual([
      ['Klienci z wizytą', 2],
      ['Nowi klienci', 3],
    ]);
    const ws = workbook.getWorksheet('Klienci z wizytą')!;
    expect(ws.getCell('D2').numFmt).toBe('dd.mm.yyyy');
    expect(ws.getCell('F2').numFmt).toContain('"zł"');
  });

  it('writes what the file says about itself as its last sheet, times as real dates', async () => {
    const file = join(dir, 'about.xlsx');
    const book = new XlsxWriter(createWriteStream(file), {
      locale: 'en',
      timeZone: 'Europe/Helsinki',
      about: {
        sheetName: 'About',
        headers: ['Item', 'Time', 'Note'],
        rows: [
          ['Data up to', new Date('2026-11-30T10:00:00Z'), null],
          ['=not a formula', null, 'no'],
        ],
      },
    });
    await book.addSheet('Customers', COLUMNS).addRow(['A', null, null, null, 1, 1]);
    await book.finish();

    const workbook = await read(file);
    expect(workbook.worksheets.map((w) => w.name)).toEqual(['Customers', 'About']);
    const about = workbook.getWorksheet('About')!;
    expect(about.getRow(1).values).toEqual([undefined, 'Item', 'Time', 'Note']);
    // 12:00 on Helsinki's wall clock, an Excel date.
    expect(about.getCell('B2').value).toEqual(new Date('2026-11-30T12:00:00Z'));
    expect(about.getRow(3).values).toEqual([undefined, "'=not a formula", undefined, 'no']);
  });

  it("cuts a text longer than Excel's cell limit, and refuses a row wider than the sheet", async () => {
    const file = join(dir, 'long.xlsx');
    const book = new XlsxWriter(createWriteStream(file), { locale: 'en', timeZone: 'UTC' });
    const sheet = book.addSheet('Notes', [{ header: 'Notes', type: 'text' }]);
    await sheet.addRow(['x'.repeat(40_000)]);
    await expect(sheet.addRow(['a', 'b'])).rejects.toThrow(/2 values for 1 columns/);
    await book.finish();
    const value = (await read(file)).getWorksheet('Notes')!.getCell('A2').value as string;
    expect(value).toHaveLength(32_767);
  });

  it('refuses sheet names Excel refuses', () => {
    const book = new XlsxWriter(new PassThrough(), { locale: 'en', timeZone: 'UTC' });
    book.addSheet('Customers', COLUMNS);
    expect(() => book.addSheet('customers', COLUMNS)).toThrow(/unique/);
    expect(() => book.addSheet('a/b', COLUMNS)).toThrow(/\[ \]/);
    expect(() => book.addSheet('x'.repeat(32), COLUMNS)).toThrow(/31/);
  });

  it('takes no more rows than a bounded buffer holds while the output does not drain', async () => {
    const sink = new StalledSink();
    const book = new XlsxWriter(sink, { locale: 'en', timeZone: 'UTC' });
    const sheet = book.addSheet('Rows', [
      { header: 'Noise', type: 'text' },
      { header: 'N', type: 'number' },
    ]);
    // Random hex: deflate cannot shrink it to nothing, so the buffers fill as they would.
    const total = 50_000;
    const run = await rowsTakenWhileStalled(
      (i) => sheet.addRow([randomBytes(40).toString('hex'), i]),
      total,
    );
    const taken = await run.settled();
    expect(taken).toBeLessThan(5_000);
    expect(sink.writableLength).toBeLessThanOrEqual(64 * 1024);

    sink.release();
    await run.done;
    await book.finish();
    const file = join(dir, 'released.xlsx');
    writeFileSync(file, sink.bytes());
    expect((await read(file)).getWorksheet('Rows')!.rowCount).toBe(total + 1);
  });

  it('fails a row, instead of waiting forever, when the output is destroyed', async () => {
    const sink = new StalledSink();
    const book = new XlsxWriter(sink, { locale: 'en', timeZone: 'UTC' });
    const sheet = book.addSheet('Rows', [{ header: 'Noise', type: 'text' }]);
    const run = await rowsTakenWhileStalled(
      () => sheet.addRow([randomBytes(40).toString('hex')]),
      50_000,
    );
    await run.settled();
    sink.destroy(new Error('client went away'));
    await expect(run.done).rejects.toThrow(/client went away|closed/);
  });
});
