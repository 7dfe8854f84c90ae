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

/** The floor: exceljs's own streaming writer, as its documentation uses it. */
async function writeRawExceljs(file: string, rows: number): Promise<void> {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = book.addWorksheet('Asiakkaat', {
    views: [{ state: 'frozen', ySplit: 1, topLeftCell: 'A2' }],
  });
  sheet.columns = COLUMNS.map((c, i) => ({
    header: c.header,
    key: `c${i}`,
    width: c.width ?? 18,
    style: EXCEL_FORMATS[c.type] ? { numFmt: EXCEL_FORMATS[c.type] } : {},
  }));
  sheet.autoFilter = 'A1:K1';
  for (let i = 0; i < rows; i++) sheet.addRow(customerRow(i)).commit();
  sheet.commit();
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

export const WRITERS = {
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
