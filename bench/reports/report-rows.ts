/*
 * The rows and the writers of bench/report-writers.ts, apart from it so that the child process
 * measuring a writer's peak RSS loads only the writer (exceljs or @kanta/reports), not the
 * benchmark support's whole local system.
 */
import { createWriteStream } from 'node:fs';
import ExcelJS from 'exceljs';
import { CsvWriter, XlsxWriter, type CellValue, type ReportColumn } from '@kanta/reports';

export const TIME_ZONE = 'Europe/Helsinki';

export const COLUMNS: ReportColumn[] = [
  { header: 'Asiakasnumero', type: 'raw' },
  { header: 'Etunimi', type: 'text' },
  { header: 'Sukunimi', type: 'text' },
  { header: 'Puhelin', type: 'phone' },
  { header: 'Sähköposti', type: 'text', width: 32 },
  { header: 'Luotu', type: 'datetime' },
  { header: 'Viimeisin käynti', type: 'date' },
  { header: 'Rekisterinumero', type: 'raw' },
  { header: 'Asema', type: 'text' },
  { header: 'Käyntejä', type: 'number' },
  { header: 'Ostot yhteensä', type: 'money' },
];

export const FIRST = [
  'Matti',
  'Aino',
  'Jääskeläinen',
  'Łukasz',
  'Élodie',
  'Олена',
  'Mikko',
  'Zofia',
];
export const LAST = [
  'Virtanen',
  'Korhonen',
  'Nowak',
  'Wiśniewski',
  'Lefèvre',
  'Шевченко',
  'Mäkinen',
];
export const STATIONS = ['Helsinki Pasila', 'Espoo Kilo', 'Vantaa Tikkurila', 'Tampere Lakalaiva'];
export const START = Date.UTC(2020, 0, 1);

/** Row `i` of the customers report's shape, made on the fly: memory is the writer's alone. */
export function customerRow(i: number): CellValue[] {
  const first = FIRST[i % FIRST.length];
  const last = LAST[(i >> 3) % LAST.length];
  return [
    String(100_000 + i),
    first,
    last,
    `+35840${String(i).padStart(7, '0')}`,
    `asiakas${i}@example.test`,
    new Date(START + i * 60_000),
    new Date(START + i * 90_000 + 86_400_000 * 30),
    `ABC-${i % 1000}`,
    STATIONS[i % STATIONS.length],
    i % 17,
    (i % 50_000) / 100,
  ];
}

const EXCEL_FORMATS: Partial<Record<ReportColumn['type'], string>> = {
  date: 'd.m.yyyy',
  datetime: 'd.m.yyyy h:mm',
  money: '#,##0.00\\ "€"',
  text: '@',
  phone: '@',
  raw: '@',
};

type RawBook = InstanceType<typeof ExcelJS.stream.xlsx.WorkbookWriter>;

function rawBook(file: string): RawBook {
  return new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useStyles: true,
    useSharedStrings: false,
  });
}

/** One sheet of `rows` rows made by `row`, with the columns' formats, frozen header and filter. */
function rawSheet(
  book: RawBook,
  name: string,
  columns: ReportColumn[],
  rows: number,
  row: (i: number) => CellValue[],
): void {
  const sheet = book.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 1, topLeftCell: 'A2' }],
  });
  sheet.columns = columns.map((c, i) => ({
    header: c.header,
    key: `c${i}`,
    width: c.width ?? 18,
    style: EXCEL_FORMATS[c.type] ? { numFmt: EXCEL_FORMATS[c.type] } : {},
  }));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  for (let i = 0; i < rows; i++) sheet.addRow(row(i)).commit();
  sheet.commit();
}

/** The floor: exceljs's own streaming writer, as its documentation uses it. */
async function writeRawExceljs(file: string, rows: number): Promise<void> {
  const book = rawBook(file);
  rawSheet(book, 'Asiakkaat', COLUMNS, rows, customerRow);
  await book.commit();
}

/*
 * The `customers` report's two sheets (services/reporting/src/reports/customers-report.ts, fi):
 * sheet 1 the matches with a visit, sheet 2 every match. bench/report-customers.ts compares the
 * report's run with raw exceljs writing as many rows of these columns from memory.
 */
const CONTACT: ReportColumn[] = [
  { header: 'Nimi', type: 'text', width: 28 },
  { header: 'Puhelin', type: 'phone' },
  { header: 'Sähköposti', type: 'text', width: 28 },
  { header: 'Asiakasnumero', type: 'raw', width: 14 },
];
export const VISITED_COLUMNS: ReportColumn[] = [
  ...CONTACT,
  { header: 'Viimeisin käynti', type: 'date' },
  { header: 'Rekisterinumero', type: 'text', width: 14 },
  { header: 'Asema', type: 'raw', width: 38 },
  { header: 'Käyntejä', type: 'number' },
];
export const ADDED_COLUMNS: ReportColumn[] = [...CONTACT, { header: 'Luotu', type: 'date' }];
const STATION_IDS = [
  '019af0c2-5b1e-7a4c-9d3e-2f6a1b8c4d01',
  '019af0c2-5b1e-7a4c-9d3e-2f6a1b8c4d02',
  '019af0c2-5b1e-7a4c-9d3e-2f6a1b8c4d03',
];

function contactCells(i: number): CellValue[] {
  return [
    `${FIRST[i % FIRST.length]} ${LAST[(i >> 3) % LAST.length]}`,
    `+35840${String(i).padStart(7, '0')}`,
    `asiakas${i}@example.test`,
    String(100_000 + i),
  ];
}

export function visitedRow(i: number): CellValue[] {
  return [
    ...contactCells(i),
    new Date(START + i * 90_000),
    `ABC-${1 + (i % 999)}`,
    STATION_IDS[i % STATION_IDS.length],
    1 + (i % 4),
  ];
}

export function addedRow(i: number): CellValue[] {
  return [...contactCells(i), new Date(START + i * 60_000)];
}

/** The customers report's shape by raw exceljs: `visited` rows on sheet 1, the rest on sheet 2. */
async function writeRawCustomersReport(file: string, rows: number, visited = 0): Promise<void> {
  const book = rawBook(file);
  rawSheet(book, 'Käyneet', VISITED_COLUMNS, visited, visitedRow);
  rawSheet(book, 'Lisätyt', ADDED_COLUMNS, rows - visited, addedRow);
  await book.commit();
}

async function writeOurs(file: string, rows: number): Promise<void> {
  const book = new XlsxWriter(createWriteStream(file), { locale: 'fi', timeZone: TIME_ZONE });
  const sheet = book.addSheet('Asiakkaat', COLUMNS);
  for (let i = 0; i < rows; i++) await sheet.addRow(customerRow(i));
  await book.finish();
}

async function writeCsvFromMemory(file: string, rows: number): Promise<void> {
  const csv = new CsvWriter(createWriteStream(file), COLUMNS, {
    locale: 'fi',
    timeZone: TIME_ZONE,
  });
  for (let i = 0; i < rows; i++) await csv.addRow(customerRow(i));
  await csv.finish();
}

/** Writers by name: (file, rows, and for the customers report's shape the rows of sheet 1). */
export const WRITERS: Record<
  'xlsx-raw-exceljs' | 'xlsx-ours' | 'csv-ours' | 'xlsx-raw-customers-report',
  (file: string, rows: number, visited?: number) => Promise<void>
> = {
  'xlsx-raw-customers-report': writeRawCustomersReport,
  'xlsx-raw-exceljs': writeRawExceljs,
  'xlsx-ours': writeOurs,
  'csv-ours': writeCsvFromMemory,
};
export type WriterName = keyof typeof WRITERS;

export interface ChildResult {
  seconds: number;
  maxRssMb: number;
  bytes: number;
}
