import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { ImportFileProblem, openImportFile } from './open-import-file';
import {
  XlsxRowTooLong,
  isDateFormat,
  xlsxRecords,
  type SheetRecord,
  type XlsxReadOptions,
} from './xlsx-records';
import { ZipEntryTooLarge } from './xlsx-zip';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kanta-xlsx-records-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

interface Parts {
  /** The <sheetData> rows. */
  rows: string;
  /** <si> elements. */
  shared?: string[];
  styles?: string;
  /** Sheets of the workbook: [name, target] in workbook order. */
  sheets?: [string, string][];
  /** Other sheets' rows by target (written to the ZIP before the first sheet). */
  others?: Record<string, string>;
  store?: boolean;
  prolog?: string;
}

/**
 * A workbook of three parts (workbook, its relationships, a sheet of inline strings) zipped by
 * Info-ZIP's `zip -fz` (ZIP64 forced), base64.
 */
const ZIP64_WORKBOOK =
  'UEsDBC0AAAAIACKsh10wR5nd//////////8PABQAeGwvd29ya2Jvb2sueG1sAQAQAN8AAAAAAAAAjgAAAAAAAACNj0' +
  'EOgkAMRa8y6QEsuHBBgI1uPMYIxZlAp5N2jB5fArJ31b78/Ne0fYvOD5HZfXhJ1kEoJTeINgRibyfJlNZkEmVfVtQn' +
  'WlbyowWiwgueq+qC7GOC3dDoPw6ZpjjQTYYXUyq7RGnxJUqyELNB324X7Ddd8kwdXMFteB87qMFpE9dF72MN2Ld4NP' +
  'B4qv8CUEsDBC0AAAAIACKsh12YIlAd//////////8aABQAeGwvX3JlbHMvd29ya2Jvb2sueG1sLnJlbHMBABAArAAA' +
  'AAAAAAB9AAAAAAAAAFWOMQ7CMBAEvxL5AbmEggLZqWjSonzAcs6xReyzfIeA32NRoFCtZovZ1TfcrUTKHGLhSR+xm1' +
  'ej6ryOqlveBY0KIuUCwC5gstxTwfxKu6earDSsG5D30eGV3CNhFjgNwxnqcQGeVO8cEKVJbd1QjPpVDN8Y+2ZVMGn4' +
  'P/cBUEsDBC0AAAAIACKsh13yZRkQ//////////8YABQAeGwvd29ya3NoZWV0cy9zaGVldDEueG1sAQAQAPsAAAAAAA' +
  'AAmgAAAAAAAAB1jzEKwzAMRa9ifIAqydChOIZA5y7pBUSqNiaxHSRBevw6GUKHdhDof/EfX27NPMlIpOYd5yStHVWX' +
  'C4AMI0WUU14olcszc0Qtkl8gCxM+9lCcoamqM0QMyXq3e1dU9I7zari1dXGHbelqa7S1Ic0hUa9c/CDeqb9hJAfqHW' +
  'wahjIlewCaA9D8AdxJNJhOAk4ov0jwVQuOf/0HUEsBAh4DLQAAAAgAIqyHXTBHmd2OAAAA/////w8ADAAAAAAAAQAA' +
  'AKSBAAAAAHhsL3dvcmtib29rLnhtbAEACADfAAAAAAAAAFBLAQIeAy0AAAAIACKsh12YIlAdfQAAAP////8aAAwAAA' +
  'AAAAEAAACkgc8AAAB4bC9fcmVscy93b3JrYm9vay54bWwucmVscwEACACsAAAAAAAAAFBLAQIeAy0AAAAIACKsh13y' +
  'ZRkQmgAAAP////8YAAwAAAAAAAEAAACkgZgBAAB4bC93b3Jrc2hlZXRzL3NoZWV0MS54bWwBAAgA+wAAAAAAAABQSw' +
  'YGLAAAAAAAAAAeAy0AAAAAAAAAAAADAAAAAAAAAAMAAAAAAAAA7wAAAAAAAAB8AgAAAAAAAFBLBgcAAAAAawMAAAAA' +
  'AAABAAAAUEsFBgAAAAADAAMA7wAAAP////8AAA==';

let n = 0;
async function workbook(parts: Parts): Promise<string> {
  const zip = new JSZip();
  const sheets = parts.sheets ?? [['Customers', 'worksheets/sheet1.xml']];
  const sheetXml = (rows: string): string =>
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${parts.prolog ?? ''}` +
    `<worksheet xmlns="${MAIN}" xmlns:r="${REL}"><dimension ref="A1"/>` +
    `<sheetData>${rows}</sheetData><pageMargins left="0.7"/></worksheet>`;
  for (const [target, rows] of Object.entries(parts.others ?? {})) {
    zip.file(`xl/${target}`, sheetXml(rows));
  }
  zip.file(
    'xl/workbook.xml',
    `<?xml version="1.0"?><workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets>` +
      sheets
        .map(([name], i) => `<sheet name="${name}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
        .join('') +
      `</sheets></workbook>`,
  );
  zip.file(
    'xl/_rels/workbook.xml.rels',
    `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      sheets
        .map(
          ([, target], i) =>
            `<Relationship Id="rId${i + 1}" Type="${REL}/worksheet" Target="${target}"/>`,
        )
        .join('') +
      `<Relationship Id="rId90" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>` +
      `<Relationship Id="rId91" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
  );
  zip.file(`xl/${sheets[0][1]}`, sheetXml(parts.rows));
  if (parts.shared) {
    zip.file(
      'xl/sharedStrings.xml',
      `<?xml version="1.0"?><sst xmlns="${MAIN}" count="${parts.shared.length}">` +
        parts.shared.join('') +
        `</sst>`,
    );
  }
  if (parts.styles) zip.file('xl/styles.xml', parts.styles);
  const bytes = await zip.generateAsync({
    type: 'nodebuffer',
    compression: parts.store ? 'STORE' : 'DEFLATE',
  });
  const path = join(dir, `${n++}.xlsx`);
  writeFileSync(path, bytes);
  return path;
}

async function recordsOf(path: string, options: XlsxReadOptions = {}): Promise<SheetRecord[]> {
  const records: SheetRecord[] = [];
  for await (const group of xlsxRecords(path, options)) records.push(...group);
  return records;
}

async function problemOf(promise: Promise<unknown>): Promise<ImportFileProblem> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ImportFileProblem))
    throw new Error(`no ImportFileProblem: ${String(error)}`);
  return error;
}

const s = (ref: string, index: number): string => `<c r="${ref}" t="s"><v>${index}</v></c>`;

describe('xlsxRecords', () => {
  it('reads shared strings: plain, rich text runs joined, phonetic runs left out, entities decoded', async () => {
    const path = await workbook({
      shared: [
        '<si><t>Name</t></si>',
        '<si><r><rPr><b/><sz val="11"/></rPr><t xml:space="preserve">Testi </t></r><r><t>Asiakas</t></r></si>',
        '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si>',
        '<si><t>A &amp; B &lt;x&gt; &quot;q&quot; &apos;a&apos; &#65;&#x42; &unknown;</t></si>',
        '<si><t/></si>',
      ],
      rows:
        `<row r="1">${s('A1', 0)}</row>` +
        `<row r="2">${s('A2', 1)}${s('B2', 2)}${s('C2', 3)}${s('D2', 4)}${s('E2', 9)}</row>`,
    });
    const [, row] = await recordsOf(path);
    expect(row.cells).toEqual([
      'Testi Asiakas',
      '東京',
      `A & B <x> "q" 'a' AB &unknown;`,
      // D2 (<t/>) and E2 (no such string) are empty: no cells.
    ]);
  });

  it('reads inline strings, booleans, numbers, errors and formulas, and keeps column gaps by r', async () => {
    const path = await workbook({
      rows:
        '<row r="3" spans="1:8">' +
        '<c r="A3" t="inlineStr"><is><t>Inline &amp; text</t></is></c>' +
        '<c r="C3" t="b"><v>1</v></c>' +
        '<c r="D3" t="b"><v>0</v></c>' +
        '<c r="E3"><v>0.30000000000000004</v></c>' +
        '<c r="F3" t="e"><v>#DIV/0!</v></c>' +
        '<c r="G3" t="str"><f>"x"&amp;"y"</f><v>xy</v></c>' +
        '<c r="H3"><f>SUM(A1:A2)</f></c>' +
        '<c r="I3" s="0"/>' +
        '</row>',
    });
    const [row] = await recordsOf(path);
    expect(row.line).toBe(3);
    expect(row.cells).toEqual([
      'Inline & text',
      '',
      'true',
      'false',
      '0.3',
      '#DIV/0!',
      'xy',
      '=SUM(A1:A2)',
    ]);
    expect(row.cellProblems).toEqual([
      { column: 5, code: 'import-cell-error', params: { error: '#DIV/0!' } },
      { column: 7, code: 'import-formula-no-result' },
    ]);
  });

  it('reads an empty <v> as no value and empty strings at the end of a row as no cells (as exceljs did)', async () => {
    const path = await workbook({
      shared: ['<si><t>Name</t></si>', '<si><t></t></si>'],
      rows:
        `<row r="1">${s('A1', 0)}${s('B1', 1)}${s('C1', 1)}</row>` +
        `<row r="2">${s('A2', 0)}<c r="B2" t="str"><f>A1</f><v></v></c><c r="C2"><v></v></c></row>`,
    });
    const [header, row] = await recordsOf(path);
    expect(header.cells).toEqual(['Name']);
    expect(row.cells).toEqual(['Name', '=A1']);
    expect(row.cellProblems).toEqual([{ column: 1, code: 'import-formula-no-result' }]);
  });

  it('reads a date by its style: a built-in date format, a custom one, not a custom time or number', async () => {
    const styles =
      `<styleSheet xmlns="${MAIN}"><numFmts count="3">` +
      '<numFmt numFmtId="164" formatCode="dd\\.mm\\.yyyy"/>' +
      '<numFmt numFmtId="165" formatCode="h:mm"/>' +
      '<numFmt numFmtId="166" formatCode="&quot;day&quot; 0"/>' +
      '</numFmts><cellStyleXfs count="1"><xf numFmtId="164"/></cellStyleXfs><cellXfs count="5">' +
      '<xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164"/>' +
      '<xf numFmtId="165"/><xf numFmtId="166"/></cellXfs></styleSheet>';
    const path = await workbook({
      styles,
      rows:
        '<row r="1"><c r="A1" s="0"><v>29280</v></c><c r="B1" s="1"><v>29280</v></c>' +
        '<c r="C1" s="2"><v>29280.75</v></c><c r="D1" s="3"><v>0.5</v></c>' +
        '<c r="E1" s="4"><v>29281</v></c></row>',
    });
    const [row] = await recordsOf(path);
    expect(row.cells).toEqual(['29280', '1980-02-29', '1980-02-29', '0.5', '29281']);
  });

  it('tells date formats from times and numbers', () => {
    expect(isDateFormat('yyyy-mm-dd')).toBe(true);
    expect(isDateFormat('[$-409]mmmm d, yyyy;@')).toBe(true);
    expect(isDateFormat('mmm')).toBe(true);
    expect(isDateFormat('h:mm:ss AM/PM')).toBe(false);
    expect(isDateFormat('[h]:mm')).toBe(false);
    expect(isDateFormat('#,##0 "days"')).toBe(false);
    expect(isDateFormat('[Red]0.00')).toBe(false);
    expect(isDateFormat('General')).toBe(false);
  });

  it('reads stored (uncompressed) entries', async () => {
    const path = await workbook({
      store: true,
      shared: ['<si><t>Name</t></si>', '<si><t>Testi Asiakas</t></si>'],
      rows: `<row r="1">${s('A1', 0)}</row><row r="2">${s('A2', 1)}</row>`,
    });
    expect(readFileSync(path).readUInt16LE(8)).toBe(0); // the first entry's method: stored
    expect((await recordsOf(path)).map((r) => r.cells)).toEqual([['Name'], ['Testi Asiakas']]);
  });

  it('reads the same records whatever the pieces the XML arrives in (tags and entities cut)', async () => {
    const path = await workbook({
      shared: [
        '<si><t xml:space="preserve"> Name </t></si>',
        '<si><r><t>Ri</t></r><r><t>ch &amp; more</t></r></si>',
      ],
      rows: Array.from(
        { length: 40 },
        (_, i) =>
          `<row r="${i + 1}" spans="1:3">${s(`A${i + 1}`, i % 2)}` +
          `<c r="C${i + 1}" t="inlineStr"><is><t>x&#x263A;${i}</t></is></c></row>`,
      ).join('\n'),
    });
    const whole = await recordsOf(path);
    expect(whole).toHaveLength(40);
    expect(whole[1].cells).toEqual(['Rich & more', '', 'x☺1']);
    for (const chunkChars of [1, 2, 3, 7, 13]) {
      expect(await recordsOf(path, { chunkChars })).toEqual(whole);
    }
  });

  it('reads the workbook’s first sheet when it is not sheet1.xml (nor first in the ZIP)', async () => {
    const path = await workbook({
      sheets: [
        ['Asiakkaat', 'worksheets/sheet7.xml'],
        ['Ohje', 'worksheets/sheet1.xml'],
      ],
      others: {
        'worksheets/sheet1.xml':
          '<row r="1"><c r="A1" t="inlineStr"><is><t>Help</t></is></c></row>',
      },
      rows: '<row r="1"><c r="A1" t="inlineStr"><is><t>Customers</t></is></c></row>',
    });
    expect((await recordsOf(path)).map((r) => r.cells)).toEqual([['Customers']]);
  });

  it('reads a ZIP64 workbook (its end record and sizes in the ZIP64 records)', async () => {
    const bytes = Buffer.from(ZIP64_WORKBOOK, 'base64');
    // The plain end record sends the reader to the ZIP64 one: its directory offset is saturated.
    const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    expect(bytes.readUInt32LE(end + 16)).toBe(0xffffffff);
    const path = join(dir, 'zip64.xlsx');
    writeFileSync(path, bytes);
    expect((await recordsOf(path)).map((r) => r.cells)).toEqual([['Name'], ['Testi Asiakas']]);
  });

  it('stops a sheet that inflates beyond the limit (a ZIP bomb) as soon as it gets there', async () => {
    const path = await workbook({
      rows: `<row r="1">${'<c r="A1"><v>1</v></c>'.repeat(100_000)}</row>`,
    });
    expect(readFileSync(path).length).toBeLessThan(20_000);
    await expect(recordsOf(path, { maxInflatedBytes: 1_000_000 })).rejects.toBeInstanceOf(
      ZipEntryTooLarge,
    );
    await expect(recordsOf(path, { maxInflatedBytes: 3_000_000 })).resolves.toHaveLength(1);
  });
});

describe('openImportFile on XLSX made by hand', () => {
  const customers = (parts: Partial<Parts> = {}): Promise<string> =>
    workbook({
      rows:
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>' +
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Testi Asiakas</t></is></c></row>',
      ...parts,
    });

  it('reads a workbook of hand-written XML', async () => {
    const opened = await openImportFile(await customers());
    const rows: string[] = [];
    for await (const batch of opened.batches(10))
      rows.push(...batch.map((r) => r.values.fullName!));
    expect(rows).toEqual(['Testi Asiakas']);
  });

  it('refuses with 422 import-file-unreadable an entry that inflates to more than its directory says', async () => {
    const bytes = readFileSync(await customers());
    // The sheet's central directory entry: its uncompressed size made smaller than it is.
    const name = Buffer.from('xl/worksheets/sheet1.xml');
    const at = bytes.lastIndexOf(name) - 46;
    expect(bytes.readUInt32LE(at)).toBe(0x02014b50);
    bytes.writeUInt32LE(100, at + 24);
    const path = join(dir, 'lying.xlsx');
    writeFileSync(path, bytes);
    expect(await problemOf(openImportFile(path))).toMatchObject({
      status: 422,
      code: 'import-file-unreadable',
    });
  });

  it('refuses with 422 import-file-unreadable a part with a DOCTYPE (no entity is ever defined)', async () => {
    const path = await customers({
      prolog: '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    });
    expect(await problemOf(openImportFile(path))).toMatchObject({
      status: 422,
      code: 'import-file-unreadable',
    });
  });

  it('finds a DOCTYPE cut across pieces of the XML', async () => {
    const path = await workbook({
      prolog: '<!-- a comment --><!DOCTYPE worksheet [<!ENTITY a "b">]>',
      rows: '<row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row>',
    });
    await expect(recordsOf(path, { chunkChars: 5 })).rejects.toThrow('DOCTYPE');
  });

  it('refuses a row whose XML is over 12,000,000 characters with 422 import-row-too-long', async () => {
    const path = await customers({
      rows:
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>' +
        `<row r="2"><c r="A2" t="inlineStr"><is><t>${'a'.repeat(12_000_001)}</t></is></c></row>`,
    });
    expect(await problemOf(openImportFile(path))).toMatchObject({
      status: 422,
      code: 'import-row-too-long',
      params: { row: 2, max: 2_500_000 },
    });
    await expect(recordsOf(path, { maxRowChars: 1000 })).rejects.toBeInstanceOf(XlsxRowTooLong);
  });

  it('refuses with 422 import-file-unreadable a workbook whose first sheet is missing', async () => {
    const path = await customers({ sheets: [['Customers', 'worksheets/sheet1.xml']] });
    const zip = await JSZip.loadAsync(readFileSync(path));
    zip.remove('xl/worksheets/sheet1.xml');
    const broken = join(dir, 'no-sheet.xlsx');
    writeFileSync(broken, await zip.generateAsync({ type: 'nodebuffer' }));
    expect(await problemOf(openImportFile(broken))).toMatchObject({
      status: 422,
      code: 'import-file-unreadable',
    });
  });
});
