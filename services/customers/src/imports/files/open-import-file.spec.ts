import { randomBytes } from 'node:crypto';
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import {
  IMPORT_MAX_COLUMNS,
  ImportFileProblem,
  openImportFile,
  type ImportFile,
  type ImportFileOptions,
  type ImportFileRow,
} from './open-import-file';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kanta-import-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(name: string, content: string | Buffer): string {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, content);
  return path;
}

async function rowsOf(opened: ImportFile, size = 1000): Promise<ImportFileRow[]> {
  const rows: ImportFileRow[] = [];
  for await (const batch of opened.batches(size)) rows.push(...batch);
  return rows;
}

async function refusal(path: string, options: ImportFileOptions = {}): Promise<ImportFileProblem> {
  const error: unknown = await openImportFile(path, options).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ImportFileProblem)) {
    throw new Error(`expected an ImportFileProblem, got ${String(error)}`);
  }
  return error;
}

async function xlsx(rows: ExcelJS.CellValue[][], name = 'customers.xlsx'): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Customers');
  rows.forEach((row, i) => {
    row.forEach((value, c) => {
      sheet.getCell(i + 1, c + 1).value = value;
    });
  });
  return file(name, Buffer.from(await workbook.xlsx.writeBuffer()));
}

/** Bytes of `text` in a single-byte encoding, by inverting Node's decoder of it. */
function encodeSingleByte(text: string, encoding: string): Buffer {
  const table = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    // Streaming: Node's one-shot windows-1252 decode is Latin-1 (see decodeText).
    table.set(new TextDecoder(encoding).decode(Buffer.from([b]), { stream: true }), b);
  }
  return Buffer.from(
    [...text].map((ch) => {
      const byte = table.get(ch);
      if (byte === undefined) throw new Error(`${ch} is not in ${encoding}`);
      return byte;
    }),
  );
}

describe('recognising a file by its bytes', () => {
  it('refuses an empty file with 422 import-file-empty', async () => {
    const problem = await refusal(file('empty.csv', ''));
    expect(problem).toMatchObject({ status: 422, code: 'import-file-empty', field: 'file' });
  });

  it('refuses a file of only blank lines as empty', async () => {
    const problem = await refusal(file('blank.csv', '\n\r\n  \n'));
    expect(problem.code).toBe('import-file-empty');
  });

  it('reads XLSX bytes named .csv as XLSX', async () => {
    const path = await xlsx(
      [
        ['Etunimi', 'Sukunimi', 'Puhelin'],
        ['Testi', 'Asiakas', '+358 40 000 0000'],
      ],
      'actually-a-workbook.csv',
    );
    const opened = await openImportFile(path);
    expect(opened.format).toBe('xlsx');
    expect(opened.encoding).toBeNull();
    expect(await rowsOf(opened)).toEqual([
      {
        rowNumber: 2,
        values: { firstName: 'Testi', lastName: 'Asiakas', phone: '+358 40 000 0000' },
        raw: ['Testi', 'Asiakas', '+358 40 000 0000'],
        problems: [],
      },
    ]);
  });

  it('refuses PNG bytes named .xlsx with 422 import-file-unreadable', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
      Buffer.from('IHDR'),
      randomBytes(512),
    ]);
    const problem = await refusal(file('photo.xlsx', png));
    expect(problem).toMatchObject({ status: 422, code: 'import-file-unreadable', field: 'file' });
  });

  it('refuses binary garbage with 422 import-file-unreadable', async () => {
    const problem = await refusal(file('garbage.csv', randomBytes(8192)));
    expect(problem).toMatchObject({ status: 422, code: 'import-file-unreadable' });
  });

  it('refuses text full of control characters (no NUL) as unreadable', async () => {
    const bytes = Buffer.alloc(2000, 'a');
    for (let i = 0; i < bytes.length; i += 20) bytes[i] = 0x01;
    const problem = await refusal(file('controls.csv', bytes));
    expect(problem.code).toBe('import-file-unreadable');
  });

  it('refuses a legacy XLS (OLE2) with 415 import-xls-unsupported, whatever its name', async () => {
    const ole2 = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(504),
    ]);
    const problem = await refusal(file('register.csv', ole2));
    expect(problem).toMatchObject({ status: 415, code: 'import-xls-unsupported', field: 'file' });
  });

  it('refuses a ZIP that is not a workbook (a .docx, an archive) as unreadable', async () => {
    const zip = new JSZip();
    zip.file('word/document.xml', '<w:document/>');
    const bytes = await zip.generateAsync({ type: 'nodebuffer' });
    const problem = await refusal(file('letter.xlsx', bytes));
    expect(problem).toMatchObject({ status: 422, code: 'import-file-unreadable' });
  });

  it('refuses a workbook whose ZIP is cut off part way as unreadable, also while reading rows', async () => {
    const path = await xlsx([
      ['First name', 'Last name'],
      ...Array.from({ length: 3000 }, (_, i) => [`Testi${i}`, 'Asiakas']),
    ]);
    const whole = readFileSync(path);
    // The ZIP's directory stays (its end is kept), a piece of the sheet's deflated data is lost.
    const cut = Buffer.concat([whole.subarray(0, 2000), whole.subarray(whole.length - 1500)]);
    const error: unknown = await openImportFile(file('cut.xlsx', cut))
      .then((opened) => rowsOf(opened))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ImportFileProblem);
    expect(error).toMatchObject({ status: 422, code: 'import-file-unreadable' });
  });

  it('refuses a file over maxBytes with 413', async () => {
    const problem = await refusal(file('big.csv', 'Name\nTesti Asiakas\n'), { maxBytes: 10 });
    expect(problem).toMatchObject({ status: 413, code: 'import-file-too-large', field: 'file' });
    expect(problem.params).toEqual({ maxBytes: 10 });
  });
});

describe('the header row', () => {
  it('refuses a header row without data rows with 422 import-header-only (CSV and XLSX)', async () => {
    expect((await refusal(file('header.csv', 'Etunimi;Sukunimi\r\n'))).code).toBe(
      'import-header-only',
    );
    expect((await refusal(file('header-blank.csv', 'Name,Phone\n,\n\n'))).code).toBe(
      'import-header-only',
    );
    expect((await refusal(await xlsx([['First name', 'Last name']]))).code).toBe(
      'import-header-only',
    );
  });

  it('refuses duplicate headers (case aside) with 422 naming the header and both columns', async () => {
    const problem = await refusal(file('dup.csv', 'Name,Phone,phone\nTesti Asiakas,1,2\n'));
    expect(problem).toMatchObject({
      status: 422,
      code: 'import-duplicate-headers',
      field: 'file',
      params: { header: 'phone', first: 2, second: 3 },
    });
  });

  it('does not count several empty headers as duplicates', async () => {
    const opened = await openImportFile(file('empties.csv', 'Name;;;\nTesti Asiakas;;;\n'));
    expect(opened.columns.map((c) => c.field)).toEqual(['fullName', null, null, null]);
  });

  it('refuses 10,000 columns with 422 import-too-many-columns (CSV and XLSX)', async () => {
    const headers = ['Name', ...Array.from({ length: 9999 }, (_, i) => `Column ${i + 2}`)];
    const csv = `${headers.join(',')}\n${headers.map(() => 'x').join(',')}\n`;
    const problem = await refusal(file('wide.csv', csv));
    expect(problem).toMatchObject({
      status: 422,
      code: 'import-too-many-columns',
      field: 'file',
      params: { columns: 10_000, max: IMPORT_MAX_COLUMNS },
    });
    const sheet = await refusal(await xlsx([headers.slice(0, 201), ['Testi Asiakas']]));
    expect(sheet).toMatchObject({ code: 'import-too-many-columns', params: { columns: 201 } });
  });

  it('accepts exactly 200 columns', async () => {
    const headers = ['Name', ...Array.from({ length: 199 }, (_, i) => `Extra ${i}`)];
    const opened = await openImportFile(file('200.csv', `${headers.join(',')}\nTesti Asiakas\n`));
    expect(opened.columns).toHaveLength(200);
  });

  it('recognises headers in five languages, folded, and warns about unknown columns', async () => {
    const opened = await openImportFile(
      file(
        'mixed.csv',
        'PRÉNOM;nazwisko;Puh.;Електронна пошта;e_mail marketing;Shoe size\nA;B;1;x@example.test;yes;42\n',
      ),
    );
    expect(opened.columns.map((c) => [c.field, c.via])).toEqual([
      ['firstName', 'header'],
      ['lastName', 'header'],
      ['phone', 'header'],
      ['email', 'header'],
      ['emailMarketing', 'header'],
      [null, null],
    ]);
    expect(opened.warnings).toEqual([
      { code: 'import-column-unknown', params: { header: 'Shoe size', column: 6 } },
    ]);
  });

  it("recognises Timma's export columns and asks for a mapping of its one marketing column", async () => {
    const opened = await openImportFile(
      file(
        'timma.csv',
        'ID;Nimi;Puhelinnumero;Osoite;Postinumero;Lisätiedot;Markkinointiluvat;Perustamisajankohta\n' +
          '17;Testi Asiakas;0400000000;Testikatu 1;00100;;SMS;01.02.2020\n',
      ),
    );
    expect(opened.columns.map((c) => c.field)).toEqual([
      'externalId',
      'fullName',
      'phone',
      'street',
      'postalCode',
      'notes',
      null,
      'createdAt',
    ]);
    expect(opened.warnings).toEqual([
      {
        code: 'import-column-ambiguous',
        params: { header: 'Markkinointiluvat', fields: 'emailMarketing, smsMarketing' },
      },
    ]);
  });

  it("recognises FixIQ's template columns", async () => {
    const opened = await openImportFile(
      await xlsx([
        ['ПІБ власника', 'Номер телефону', 'Марка', 'Модель', 'Державний номер', 'VIN код', 'Рік'],
        ['Тест Клієнт', '+380 00 000 0000', 'Škoda', 'Octavia', 'AA0000AA', '', 2015],
      ]),
    );
    expect(opened.columns.map((c) => c.field)).toEqual([
      'fullName',
      'phone',
      'make',
      'model',
      'plate',
      'vin',
      'year',
    ]);
    const [row] = await rowsOf(opened);
    expect(row.values).toEqual({
      fullName: 'Тест Клієнт',
      phone: '+380 00 000 0000',
      make: 'Škoda',
      model: 'Octavia',
      plate: 'AA0000AA',
      year: '2015',
    });
  });

  it('refuses a file without a name column, and vehicles without plate, make and model', async () => {
    expect(await refusal(file('no-name.csv', 'Phone,Email\n1,a@example.test\n'))).toMatchObject({
      status: 422,
      code: 'import-required-column-missing',
      params: { fields: 'fullName' },
    });
    expect(await refusal(file('no-last.csv', 'First name,Phone\nTesti,1\n'))).toMatchObject({
      params: { fields: 'lastName' },
    });
    expect(await refusal(file('vehicle.csv', 'Name,Plate\nTesti Asiakas,ABC-123\n'))).toMatchObject(
      { code: 'import-required-column-missing', params: { fields: 'make, model' } },
    );
  });
});

describe('the mapping', () => {
  it('maps a column the dictionary does not know, and ignores one mapped to null', async () => {
    const opened = await openImportFile(
      file('mapped.csv', 'Kundnamn,Telefon,Intern kod\nTesti Asiakas,1,X\n'),
      { mapping: { Kundnamn: 'fullName', 'Intern kod': null, Missing: 'notes' } },
    );
    expect(opened.columns.map((c) => [c.field, c.via])).toEqual([
      ['fullName', 'mapping'],
      ['phone', 'header'],
      [null, null],
    ]);
    expect(opened.warnings).toEqual([
      { code: 'import-column-ignored', params: { header: 'Intern kod' } },
      { code: 'import-mapping-header-unknown', params: { header: 'Missing' } },
    ]);
    const [row] = await rowsOf(opened);
    expect(row.values).toEqual({ fullName: 'Testi Asiakas', phone: '1' });
  });

  it('refuses a field mapped twice with 422 naming both headers', async () => {
    const problem = await refusal(file('twice.csv', 'Name,Phone,Mobile\nTesti Asiakas,1,2\n'));
    expect(problem).toMatchObject({
      status: 422,
      code: 'import-field-mapped-twice',
      field: 'file',
      params: { field: 'phone', first: 'Phone', second: 'Mobile' },
    });
    const mapped = await refusal(file('twice2.csv', 'Name,Phone,Other\nTesti Asiakas,1,2\n'), {
      mapping: { Other: 'phone' },
    });
    expect(mapped).toMatchObject({ code: 'import-field-mapped-twice', field: 'mapping' });
  });

  it('lets a mapping to null resolve two columns of one field', async () => {
    const opened = await openImportFile(
      file('resolve.csv', 'Name,Phone,Mobile\nTesti Asiakas,1,2\n'),
      {
        mapping: { Phone: null },
      },
    );
    expect((await rowsOf(opened))[0].values).toEqual({ fullName: 'Testi Asiakas', phone: '2' });
  });

  it('refuses a mapping to a field that does not exist', async () => {
    const problem = await refusal(file('bad-map.csv', 'Name\nTesti Asiakas\n'), {
      mapping: { Name: 'shoeSize' as never },
    });
    expect(problem).toMatchObject({
      status: 422,
      code: 'import-mapping-field-unknown',
      field: 'mapping',
      params: { header: 'Name', value: 'shoeSize' },
    });
  });
});

describe('CSV', () => {
  it('detects ; and tab separators', async () => {
    const semicolon = await openImportFile(file('semi.csv', 'Nimi;Puhelin\nTesti, Asiakas;1\n'));
    expect(semicolon.separator).toBe(';');
    expect((await rowsOf(semicolon))[0].values).toEqual({ fullName: 'Testi, Asiakas', phone: '1' });
    const tab = await openImportFile(
      file('tab.tsv', 'Name\tPhone\tNotes\nTesti Asiakas\t1\ta;b,c\n'),
    );
    expect(tab.separator).toBe('\t');
    expect((await rowsOf(tab))[0].values).toEqual({
      fullName: 'Testi Asiakas',
      phone: '1',
      notes: 'a;b,c',
    });
  });

  it('strips a UTF-8 BOM', async () => {
    const opened = await openImportFile(
      file(
        'bom.csv',
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from('Nimi;Sähköposti\nÄiti Öljynen;a@example.test\n'),
        ]),
      ),
    );
    expect(opened.encoding).toBe('utf-8');
    expect(opened.columns[0]).toMatchObject({ header: 'Nimi', field: 'fullName' });
    expect((await rowsOf(opened))[0].values.fullName).toBe('Äiti Öljynen');
  });

  it('reads UTF-16 with its BOM (Excel\'s "Unicode text"), whatever encoding the upload names', async () => {
    const text = 'Name\tPhone\nTesti Äsiakas\t1\n';
    const opened = await openImportFile(
      file('unicode.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])),
      { encoding: 'windows-1252' },
    );
    expect(opened.encoding).toBe('utf-16le');
    expect((await rowsOf(opened))[0].values).toEqual({ fullName: 'Testi Äsiakas', phone: '1' });
  });

  it('decodes a Windows-1250 Polish file right and says it guessed', async () => {
    const text =
      'Imię;Nazwisko;Miejscowość;Uwagi\r\n' +
      'Łucja;Wiśniewska-Żółć;Łódź;Zażółć gęślą jaźń\r\n' +
      'Ścibor;Ząbkowski;Kraków;źdźbło\r\n';
    const opened = await openImportFile(file('pl.csv', encodeSingleByte(text, 'windows-1250')));
    expect(opened.encoding).toBe('windows-1250');
    expect(opened.warnings).toContainEqual({
      code: 'import-encoding-detected',
      params: { encoding: 'windows-1250' },
    });
    expect(opened.columns.map((c) => c.field)).toEqual(['firstName', 'lastName', 'city', 'notes']);
    expect((await rowsOf(opened)).map((r) => r.values)).toEqual([
      { firstName: 'Łucja', lastName: 'Wiśniewska-Żółć', city: 'Łódź', notes: 'Zażółć gęślą jaźń' },
      { firstName: 'Ścibor', lastName: 'Ząbkowski', city: 'Kraków', notes: 'źdźbło' },
    ]);
  });

  it('decodes Windows-1252 Finnish and French files right', async () => {
    const fi = 'Etunimi;Sukunimi;Postitoimipaikka\nÅsa;Jääskeläinen;Närpiö\n';
    const finnish = await openImportFile(file('fi.csv', encodeSingleByte(fi, 'windows-1252')));
    expect(finnish.encoding).toBe('windows-1252');
    expect((await rowsOf(finnish))[0].values).toEqual({
      firstName: 'Åsa',
      lastName: 'Jääskeläinen',
      city: 'Närpiö',
    });
    const fr = 'Prénom;Nom;Ville;Remarques\nHélène;Lefèvre;Besançon;Cœur à l’ouvrage, très sûr\n';
    const french = await openImportFile(file('fr.csv', encodeSingleByte(fr, 'windows-1252')));
    expect(french.encoding).toBe('windows-1252');
    expect((await rowsOf(french))[0].values).toEqual({
      firstName: 'Hélène',
      lastName: 'Lefèvre',
      city: 'Besançon',
      notes: 'Cœur à l’ouvrage, très sûr',
    });
  });

  it('finds a legacy byte far down a file that starts as plain ASCII', async () => {
    const lines = ['Name;City', ...Array.from({ length: 30_000 }, (_, i) => `Testi ${i};Espoo`)];
    const tail = encodeSingleByte('Łucja Żak;Łódź\n', 'windows-1250');
    const opened = await openImportFile(
      file('late.csv', Buffer.concat([Buffer.from(lines.join('\n') + '\n'), tail])),
    );
    expect(opened.encoding).toBe('windows-1250');
    const rows = await rowsOf(opened, 5000);
    expect(rows.at(-1)!.values).toEqual({ fullName: 'Łucja Żak', city: 'Łódź' });
  });

  it('keeps a UTF-8 file whose letters are cut by a read boundary as UTF-8', async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `Äiti€ ${i};Öljy€`);
    // Padded until the encoding check's first 1 MiB read ends inside a character.
    let padding = '';
    let bytes = Buffer.from('');
    for (let pad = 0; pad < 4; pad++, padding += 'x') {
      bytes = Buffer.from(`Nimi;Lisätiedot${padding}\n${rows.join('\n')}\n`);
      if ((bytes[1 << 20] & 0xc0) === 0x80) break;
    }
    expect(bytes[1 << 20] & 0xc0).toBe(0x80);
    const opened = await openImportFile(file('cuts.csv', bytes), { mapping: {} });
    expect(opened.encoding).toBe('utf-8');
    expect(opened.warnings.map((w) => w.code)).not.toContain('import-encoding-detected');
    const read = await rowsOf(opened, 10_000);
    expect(read).toHaveLength(60_000);
    expect(
      read.every((row, i) => row.values.fullName === `Äiti€ ${i}` && row.raw[1] === 'Öljy€'),
    ).toBe(true);
  });

  it('takes the encoding the upload names, and refuses an unknown one on `encoding`', async () => {
    const bytes = encodeSingleByte('Nazwisko;Imię\nŻak;Łucja\n', 'iso-8859-2');
    const opened = await openImportFile(file('latin2.csv', bytes), { encoding: 'ISO-8859-2' });
    expect(opened.encoding).toBe('iso-8859-2');
    expect(opened.warnings).toEqual([]);
    expect((await rowsOf(opened))[0].values).toEqual({ lastName: 'Żak', firstName: 'Łucja' });
    const problem = await refusal(file('x.csv', 'Name\nTesti\n'), { encoding: 'klingon-8' });
    expect(problem).toMatchObject({
      status: 422,
      code: 'import-encoding-unknown',
      field: 'encoding',
      params: { encoding: 'klingon-8' },
    });
  });

  it('reports a broken quote on its row and reads the rows after it', async () => {
    const csv =
      'Name,Phone,Notes\n' +
      'Testi Yksi,1,"fine, with ""quotes"""\n' +
      'Testi Kaksi,2,"never closed\n' +
      'Testi Kolme,3,ok\n' +
      'Testi Neljä,4,"closed" then text\n' +
      'Testi Viisi,5,"two\nlines"\n' +
      'Testi Kuusi,6,last\n';
    const rows = await rowsOf(await openImportFile(file('quotes.csv', csv)));
    expect(
      rows.map((r) => [r.rowNumber, r.values.fullName ?? null, r.problems.map((p) => p.code)]),
    ).toEqual([
      [2, 'Testi Yksi', []],
      [3, null, ['import-csv-broken-quote']],
      [4, 'Testi Kolme', []],
      [5, null, ['import-csv-broken-quote']],
      [6, 'Testi Viisi', []],
      [8, 'Testi Kuusi', []],
    ]);
    expect(rows[0].values.notes).toBe('fine, with "quotes"');
    expect(rows[1].raw).toEqual(['Testi Kaksi', '2', '"never closed']);
    expect(rows[1].problems).toEqual([{ field: 'row', code: 'import-csv-broken-quote' }]);
    expect(rows[4].values.notes).toBe('two\nlines');
  });

  it('gives up on a quote left open over many lines at the cell limit and reads on', async () => {
    const after = Array.from({ length: 2000 }, (_, i) => `Testi ${i},${i}`);
    const csv = `Name,Phone\n"Testi Auki,1\n${after.join('\n')}\n`;
    const rows = await rowsOf(await openImportFile(file('runaway.csv', csv)));
    expect(rows[0]).toMatchObject({
      rowNumber: 2,
      problems: [{ code: 'import-csv-broken-quote' }],
    });
    expect(rows).toHaveLength(2001);
    expect(rows[2000]).toMatchObject({ rowNumber: 2002, values: { fullName: 'Testi 1999' } });
  });

  it('drops spaces between a closing quote and the separator', async () => {
    const rows = await rowsOf(
      await openImportFile(
        file('spaces.csv', 'Name,Phone\n"Testi Asiakas"  ,"1" \n"Testi Toinen",2  '),
      ),
    );
    expect(rows.map((r) => [r.values, r.problems])).toEqual([
      [{ fullName: 'Testi Asiakas', phone: '1' }, []],
      [{ fullName: 'Testi Toinen', phone: '2' }, []],
    ]);
  });

  it('stops with 422 import-row-too-long at a record longer than any row can be', async () => {
    const opened = await openImportFile(
      file('endless.csv', `Name,Notes\nTesti Asiakas,1\nTesti Toinen,${'x'.repeat(3_000_000)}\n`),
    );
    const error: unknown = await rowsOf(opened).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportFileProblem);
    expect(error).toMatchObject({
      status: 422,
      code: 'import-row-too-long',
      field: 'file',
      params: { row: 3, max: 2_500_000 },
    });
  });

  it('reports a row with more cells than headers', async () => {
    const rows = await rowsOf(
      await openImportFile(
        file('extra.csv', 'Name,Phone\nTesti Asiakas,1,oops\nTesti Toinen,2,,\n'),
      ),
    );
    expect(rows[0].problems).toEqual([
      { field: 'row', code: 'import-row-too-many-cells', params: { cells: 3, columns: 2 } },
    ]);
    expect(rows[0].values).toEqual({ fullName: 'Testi Asiakas', phone: '1' });
    // Trailing separators (empty cells) are not more data.
    expect(rows[1].problems).toEqual([]);
  });

  it('reports a 100,000-character cell on its field and keeps the others', async () => {
    const long = 'x'.repeat(100_000);
    const csv = `Name,Notes,Phone\nTesti Asiakas,${long},1\nTesti Toinen,"${long}",2\nTesti Kolmas,short,3\n`;
    const rows = await rowsOf(await openImportFile(file('long.csv', csv)));
    for (const row of rows.slice(0, 2)) {
      expect(row.problems).toEqual([
        { field: 'notes', code: 'import-cell-too-long', params: { length: 100_000, max: 10_000 } },
      ]);
      expect(row.values.notes).toBeUndefined();
      expect(row.raw[1]).toHaveLength(100_000);
    }
    expect(rows.map((r) => r.values.phone)).toEqual(['1', '2', '3']);
    expect(rows[2].values.notes).toBe('short');
  });

  it('keeps HTML and script in names as text', async () => {
    const name = '<script>alert("x")</script><b>Testi</b>';
    const csv = `First name,Last name\n"${name.replace(/"/g, '""')}",=HYPERLINK("x")\n`;
    const rows = await rowsOf(await openImportFile(file('html.csv', csv)));
    expect(rows[0].values).toEqual({ firstName: name, lastName: '=HYPERLINK("x")' });
  });

  it('trims values, skips blank lines and numbers rows by their line, CR, LF or CRLF', async () => {
    const csv = 'Name,Notes\r\n  Testi Yksi  ,"a\r\nb"\r\n\r\nTesti Kaksi,\rTesti Kolme,x';
    const rows = await rowsOf(await openImportFile(file('lines.csv', csv)));
    expect(rows.map((r) => [r.rowNumber, r.values])).toEqual([
      [2, { fullName: 'Testi Yksi', notes: 'a\r\nb' }],
      [5, { fullName: 'Testi Kaksi' }],
      [6, { fullName: 'Testi Kolme', notes: 'x' }],
    ]);
    expect(rows[0].raw).toEqual(['  Testi Yksi  ', 'a\r\nb']);
  });

  it('parses a large file across chunk boundaries exactly, in batches of the size asked', async () => {
    const cells = (i: number): string[] => [
      `Testi ${i}`,
      `+358 40 ${String(i).padStart(7, '0')}`,
      i % 7 === 0 ? `note "${i}", with\nnewline` : i % 5 === 0 ? `a;b,${i}` : '',
      `Äöå ${'ł'.repeat(i % 13)}`,
    ];
    const quote = (cell: string): string =>
      /[",\n;]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
    const count = 60_000;
    const lines = ['Name,Phone,Notes,City'];
    for (let i = 0; i < count; i++) lines.push(cells(i).map(quote).join(','));
    const opened = await openImportFile(file('large.csv', lines.join('\r\n')));
    const sizes: number[] = [];
    const raw: string[][] = [];
    for await (const batch of opened.batches(5000)) {
      sizes.push(batch.length);
      for (const row of batch) raw.push(row.raw);
    }
    expect(raw).toEqual(Array.from({ length: count }, (_, i) => cells(i)));
    expect(sizes).toEqual(Array.from({ length: count / 5000 }, () => 5000));
  }, 30_000);

  it('gives the same rows when batches() is called again', async () => {
    const opened = await openImportFile(file('twice.csv', 'Name\nA\nB\nC\n'));
    const first = await rowsOf(opened, 2);
    const second = await rowsOf(opened, 2);
    expect(second).toEqual(first);
    expect(first.map((r) => r.rowNumber)).toEqual([2, 3, 4]);
  });
  it('closes the file it opened when batches() is never called', async () => {
    const path = file('closed.csv', `Name\n${'Testi Asiakas\n'.repeat(50_000)}`);
    const holding = (): boolean =>
      readdirSync('/proc/self/fd').some((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === path;
        } catch {
          return false; // the directory's own descriptor, gone by now
        }
      });
    const opened = await openImportFile(path);
    expect(holding()).toBe(true);
    await opened.close();
    for (let waited = 0; holding() && waited < 2000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(holding()).toBe(false);
    // Reading afterwards opens the file again.
    expect(await rowsOf(opened)).toHaveLength(50_000);
  });
});

describe('XLSX', () => {
  it('takes a formula cell’s cached result, reports one without a result and an error value', async () => {
    const opened = await openImportFile(
      await xlsx([
        ['First name', 'Last name', 'Notes', 'Phone'],
        ['Testi', { formula: 'UPPER("asiakas")', result: 'ASIAKAS' }, { formula: 'A2&"!"' }, 1],
        ['Toinen', 'Asiakas', 'x', { error: '#N/A' }],
      ]),
    );
    const [first, second] = await rowsOf(opened);
    expect(first.values).toEqual({ firstName: 'Testi', lastName: 'ASIAKAS', phone: '1' });
    expect(first.problems).toEqual([{ field: 'notes', code: 'import-formula-no-result' }]);
    expect(first.raw[2]).toBe('=A2&"!"');
    expect(second.problems).toEqual([
      { field: 'phone', code: 'import-cell-error', params: { error: '#N/A' } },
    ]);
  });

  it('reads rich text, hyperlinks, dates and numbers as text', async () => {
    const opened = await openImportFile(
      await xlsx([
        ['Name', 'Email', 'Birthday', 'Phone', 'Postal code', 'Notes'],
        [
          { richText: [{ text: 'Testi ', font: { bold: true } }, { text: 'Asiakas' }] },
          { text: 'testi@example.test', hyperlink: 'mailto:testi@example.test' },
          new Date(Date.UTC(1980, 1, 29)),
          358400000000,
          0.1 + 0.2,
          true,
        ],
      ]),
    );
    const [row] = await rowsOf(opened);
    expect(row.values).toEqual({
      fullName: 'Testi Asiakas',
      email: 'testi@example.test',
      birthday: '1980-02-29',
      phone: '358400000000',
      postalCode: '0.3',
      notes: 'true',
    });
  });

  it('numbers rows by the sheet and skips blank ones', async () => {
    const opened = await openImportFile(await xlsx([['Name'], ['A'], [], [null], ['B'], [' ']]));
    expect((await rowsOf(opened)).map((r) => [r.rowNumber, r.values.fullName])).toEqual([
      [2, 'A'],
      [5, 'B'],
    ]);
  });

  it('reports a 100,000-character cell and keeps HTML in a name as text', async () => {
    const opened = await openImportFile(
      await xlsx([
        ['Name', 'Notes'],
        ['<img src=x onerror=alert(1)>', 'y'.repeat(100_000)],
      ]),
    );
    const [row] = await rowsOf(opened);
    expect(row.values).toEqual({ fullName: '<img src=x onerror=alert(1)>' });
    expect(row.problems).toEqual([
      { field: 'notes', code: 'import-cell-too-long', params: { length: 100_000, max: 10_000 } },
    ]);
  });
});
