import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import {
  DATA_EXPORT_FORMAT,
  type ConsentDataExport,
  type CustomerDataExport,
  type Locale,
  type PrivacyDataExport,
  type VehicleDataExport,
} from '@kanta/contracts';
import { FIELD_HEADER, SHEET_NAMES, VALUE_HEADER, fieldLabel } from './export-labels';

/**
 * data.json of a data export: the documented machine-readable form (services/privacy/README.md,
 * "Data hand-over"), one key per part, each part as its service answered it.
 */
export interface ExportDocument {
  format: typeof DATA_EXPORT_FORMAT;
  exportId: string;
  customerId: string;
  exportedAt: string;
  customers: CustomerDataExport;
  vehicles: VehicleDataExport;
  consents: ConsentDataExport;
  privacy: PrivacyDataExport;
}

type Row = Record<string, unknown>;
type SheetName = keyof typeof SHEET_NAMES;

/** The ZIP handed over: data.json and data.xlsx, the same data twice. */
export async function exportZip(document: ExportDocument, locale: Locale): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('data.json', JSON.stringify(document, null, 2));
  zip.file('data.xlsx', await workbook(document, locale));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** One sheet per table of each part, headed in the tenant's locale. */
async function workbook(document: ExportDocument, locale: Locale): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.created = new Date(document.exportedAt);
  const { customers, vehicles, consents, privacy } = document;
  recordSheet(book, 'customer', customers.customer as unknown as Row, locale);
  tableSheet(book, 'reminders', customers.reminders as unknown as Row[], locale);
  tableSheet(book, 'marketingConsents', customers.marketingConsents, locale);
  tableSheet(book, 'vehicles', vehicles.vehicles as unknown as Row[], locale);
  tableSheet(book, 'visits', vehicles.visits as unknown as Row[], locale);
  tableSheet(
    book,
    'sales',
    vehicles.sales.map(({ lines: _lines, ...sale }) => sale),
    locale,
  );
  tableSheet(
    book,
    'saleLines',
    vehicles.sales.flatMap((sale) => sale.lines.map((line) => ({ saleId: sale.id, ...line }))),
    locale,
  );
  tableSheet(book, 'consentHistory', consents.history as unknown as Row[], locale);
  tableSheet(book, 'consentTexts', consents.texts as unknown as Row[], locale);
  recordSheet(book, 'preferences', consents.preferences as unknown as Row, locale);
  tableSheet(book, 'accessLog', privacy.accessLog as unknown as Row[], locale);
  tableSheet(book, 'merges', privacy.merges as unknown as Row[], locale);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** A record as rows of field and value. */
function recordSheet(book: ExcelJS.Workbook, name: SheetName, record: Row, locale: Locale): void {
  const sheet = book.addWorksheet(SHEET_NAMES[name][locale]);
  sheet.addRow([FIELD_HEADER[locale], VALUE_HEADER[locale]]).font = { bold: true };
  for (const [field, value] of Object.entries(record)) {
    sheet.addRow([fieldLabel(field, locale), cell(value)]);
  }
  sheet.columns.forEach((column) => (column.width = 32));
}

/** Rows with a column per field (the fields of every row, in the order first met). */
function tableSheet(book: ExcelJS.Workbook, name: SheetName, rows: Row[], locale: Locale): void {
  const sheet = book.addWorksheet(SHEET_NAMES[name][locale]);
  const fields = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  sheet.addRow(fields.map((field) => fieldLabel(field, locale))).font = { bold: true };
  for (const row of rows) sheet.addRow(fields.map((field) => cell(row[field])));
  // An empty table has no columns (exceljs answers null for them).
  if (fields.length > 0) sheet.columns.forEach((column) => (column.width = 20));
}

/** A value as a cell: text, number or truth as it is; a list or an object as its JSON. */
function cell(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  return JSON.stringify(value);
}
