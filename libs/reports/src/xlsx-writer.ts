import type { Writable } from 'node:stream';
import { cellText } from './cell-safety';
import {
  columnWidth,
  fileAboutColumns,
  type CellValue,
  type ReportColumn,
  type ReportFormat,
} from './columns';
import { LOCALE_FORMATS } from './number-formats';
import { ZipStreamWriter, type ZipEntryWriter } from './zip-stream-writer';
import { ZonedTime, calendarDate, excelDateSerial, instantOf } from './zoned-time';

/** Excel's limits: rows and columns of a sheet, characters of a sheet name. */
export const XLSX_MAX_ROWS = 1_048_576;
const MAX_COLUMNS = 16_384;
const MAX_SHEET_NAME = 31;
/** Excel refuses (offers to "repair") a file with a longer cell text. */
export const XLSX_MAX_CELL_TEXT = 32_767;
/** Sheet XML is gathered into chunks of about this many characters before it is deflated. */
const CHUNK_CHARS = 64 * 1024;

/** Indexes into styles.xml's cellXfs, in the order `stylesXml` writes them. */
const STYLE = { general: 0, header: 1, text: 2, date: 3, datetime: 4, money: 5 } as const;

export interface XlsxWriterOptions extends ReportFormat {
  /** zlib level of the deflated entries, 1 (fast) to 9 (small). Default 6, as exceljs's. */
  compressionLevel?: number;
}

/**
 * An .xlsx workbook written as a stream at flat memory: each sheet's XML is generated here, row
 * by row, into a ZIP stream that honours backpressure, and `addRow` resolves only when there is
 * room for more. Sheets are written one after another (a ZIP stream cannot interleave them).
 *
 * What each sheet gets: a bold header row, frozen, with an autofilter over the rows written;
 * the columns' widths; text and phone numbers as inline strings in text-formatted cells;
 * numbers; amounts with the locale's currency format; dates and times as real Excel dates of
 * the wall clock in the report's time zone, with the locale's date format.
 */
export class XlsxWriter {
  private readonly zip: ZipStreamWriter;
  private readonly sheets: XlsxSheet[] = [];
  private current: XlsxSheet | undefined;
  private finished = false;
  /** @internal */
  readonly time: ZonedTime;

  constructor(
    output: Writable,
    private readonly options: XlsxWriterOptions,
  ) {
    this.time = new ZonedTime(options.timeZone);
    this.zip = new ZipStreamWriter(output, options.compressionLevel ?? 6);
  }

  /** A new sheet; the sheets before it are closed when it takes its first row. */
  addSheet(name: string, columns: readonly ReportColumn[]): XlsxSheet {
    if (this.finished) throw new Error('the workbook is finished');
    validateSheetName(name, this.sheets);
    if (columns.length === 0 || columns.length > MAX_COLUMNS) {
      throw new RangeError(`sheet "${name}": 1 to ${MAX_COLUMNS} columns, not ${columns.length}`);
    }
    const sheet = new XlsxSheet(this, this.sheets.length + 1, name, columns);
    this.sheets.push(sheet);
    return sheet;
  }

  /** Closes the last sheet, writes the workbook's parts and ends the output stream. */
  async finish(): Promise<void> {
    if (this.finished) throw new Error('the workbook is finished');
    if (this.sheets.length === 0) throw new Error('a workbook needs at least one sheet');
    const about = this.options.about;
    if (about) {
      const sheet = this.addSheet(about.sheetName, fileAboutColumns(about));
      for (const row of about.rows) await sheet.addRow(row);
    }
    this.finished = true;
    // A sheet that never took a row still gets its header.
    for (const sheet of this.sheets) if (!sheet.closed) await this.activate(sheet);
    await this.current?.close();
    this.current = undefined;
    const formats = LOCALE_FORMATS[this.options.locale];
    await this.zip.addEntry('xl/styles.xml', stylesXml(formats, this.options.currency ?? 'EUR'));
    await this.zip.addEntry('xl/workbook.xml', workbookXml(this.sheets));
    await this.zip.addEntry('xl/_rels/workbook.xml.rels', workbookRelsXml(this.sheets.length));
    await this.zip.addEntry('_rels/.rels', ROOT_RELS);
    await this.zip.addEntry('[Content_Types].xml', contentTypesXml(this.sheets.length));
    await this.zip.finish();
  }

  /** @internal Makes `sheet` the one being written, closing the one before. */
  async activate(sheet: XlsxSheet): Promise<void> {
    if (this.current === sheet) return;
    if (sheet.closed) throw new Error(`sheet "${sheet.name}" is closed: a later sheet has begun`);
    if (this.current) await this.current.close();
    // Earlier sheets skipped over are written now, header only, to keep the file's order.
    for (const earlier of this.sheets) {
      if (earlier === sheet) break;
      if (!earlier.closed) {
        await earlier.open(await this.zip.openEntry(earlier.path));
        await earlier.close();
      }
    }
    this.current = sheet;
    await sheet.open(await this.zip.openEntry(sheet.path));
  }
}

type CellWriter = (value: Exclude<CellValue, null | undefined>, row: number) => string;

/** One sheet of an `XlsxWriter`. */
export class XlsxSheet {
  /** Rows written, the header included. */
  private rows = 0;
  private entry: ZipEntryWriter | undefined;
  private pending = '';
  private busy = false;
  private readonly cells: CellWriter[];
  private readonly letters: string[];
  closed = false;

  /** @internal */
  constructor(
    private readonly book: XlsxWriter,
    readonly index: number,
    readonly name: string,
    readonly columns: readonly ReportColumn[],
  ) {
    this.letters = columns.map((_, i) => columnLetter(i));
    this.cells = columns.map((column, i) => cellWriter(column, this.letters[i], book, name));
  }

  /** @internal */
  get path(): string {
    return `xl/worksheets/sheet${this.index}.xml`;
  }

  /** Data rows written so far. */
  get rowCount(): number {
    return Math.max(0, this.rows - 1);
  }

  /** @internal The range the autofilter covers. */
  get range(): string {
    return `$A$1:$${this.letters[this.letters.length - 1]}$${Math.max(1, this.rows)}`;
  }

  /**
   * Adds a row (values in the columns' order); resolves when the writer can take the next.
   * Await each call before the next one.
   */
  async addRow(values: readonly CellValue[]): Promise<void> {
    if (this.busy) throw new Error(`sheet "${this.name}": await addRow before adding another row`);
    this.busy = true;
    try {
      if (!this.entry) await this.book.activate(this);
      if (this.closed) throw new Error(`sheet "${this.name}" is closed: a later sheet has begun`);
      if (this.rows >= XLSX_MAX_ROWS) {
        throw new RangeError(`sheet "${this.name}": Excel holds at most ${XLSX_MAX_ROWS} rows`);
      }
      if (values.length > this.cells.length) {
        throw new RangeError(
          `sheet "${this.name}": ${values.length} values for ${this.cells.length} columns`,
        );
      }
      const r = ++this.rows;
      let xml = `<row r="${r}">`;
      for (let i = 0; i < values.length; i++) {
        const value = values[i];
        if (value !== null && value !== undefined && value !== '') xml += this.cells[i](value, r);
      }
      this.pending += xml + '</row>';
      if (this.pending.length >= CHUNK_CHARS) await this.flush();
    } finally {
      this.busy = false;
    }
  }

  /** @internal */
  async open(entry: ZipEntryWriter): Promise<void> {
    this.entry = entry;
    const cols = this.columns
      .map(
        (c, i) => `<col min="${i + 1}" max="${i + 1}" width="${columnWidth(c)}" customWidth="1"/>`,
      )
      .join('');
    this.pending =
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      `<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
      '<sheetViews><sheetView workbookViewId="0">' +
      '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
      '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>' +
      '</sheetView></sheetViews>' +
      `<sheetFormatPr defaultRowHeight="15"/><cols>${cols}</cols><sheetData>`;
    this.rows = 1;
    this.pending +=
      '<row r="1">' +
      this.columns
        .map(
          (c, i) =>
            `<c r="${this.letters[i]}1" s="${STYLE.header}" t="inlineStr"><is><t>${xmlText(cellText('text', c.header))}</t></is></c>`,
        )
        .join('') +
      '</row>';
  }

  /** @internal */
  async close(): Promise<void> {
    if (!this.entry || this.closed) return;
    this.closed = true;
    this.pending += `</sheetData><autoFilter ref="${this.range.replaceAll('$', '')}"/></worksheet>`;
    await this.flush();
    await this.entry.close();
  }

  private async flush(): Promise<void> {
    const chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    await this.entry!.write(chunk);
  }
}

function cellWriter(
  column: ReportColumn,
  letter: string,
  book: XlsxWriter,
  sheet: string,
): CellWriter {
  const where = (row: number) => (): string => `sheet "${sheet}", ${letter}${row}`;
  const number = (style: number) => (value: CellValue, row: number) => {
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(n)) throw new TypeError(`${where(row)()}: not a number: ${String(value)}`);
    return `<c r="${letter}${row}" s="${style}"><v>${n}</v></c>`;
  };
  switch (column.type) {
    case 'text':
    case 'phone':
    case 'raw': {
      const type = column.type;
      return (value, row) => {
        const text = cellText(
          type,
          typeof value === 'string'
            ? value
            : value instanceof Date
              ? value.toISOString()
              : String(value),
        );
        // A longer text is cut where Excel's limit is (a note pasted a book long).
        const fitted = text.length > XLSX_MAX_CELL_TEXT ? text.slice(0, XLSX_MAX_CELL_TEXT) : text;
        return `<c r="${letter}${row}" s="${STYLE.text}" t="inlineStr"><is>${textElement(fitted)}</is></c>`;
      };
    }
    case 'number':
      return number(STYLE.general);
    case 'money':
      return number(STYLE.money);
    case 'date':
      return (value, row) => {
        const ymd = typeof value === 'string' ? calendarDate(value) : undefined;
        const serial = ymd
          ? excelDateSerial(...ymd)
          : Math.floor(book.time.excelSerial(instantOf(value, where(row))));
        return `<c r="${letter}${row}" s="${STYLE.date}"><v>${serial}</v></c>`;
      };
    case 'datetime':
      return (value, row) =>
        `<c r="${letter}${row}" s="${STYLE.datetime}"><v>${book.time.excelSerial(instantOf(value, where(row)))}</v></c>`;
  }
}

// XML 1.0 forbids most control characters; Excel's own escape for them is `_xHHHH_`, so a literal
// `_xHHHH_` in the text is escaped too (as `_x005F_xHHHH_`), or Excel would decode it.
// eslint-disable-next-line no-control-regex
const XML_SPECIAL = /[&<>"\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|_x[0-9a-fA-F]{4}_/;
const XML_SPECIAL_ALL = new RegExp(XML_SPECIAL.source, 'g');
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  // A literal carriage return would become a line feed in any XML parser.
  '\r': '&#13;',
};

function xmlText(value: string): string {
  if (!XML_SPECIAL.test(value)) return value;
  return value.replace(
    XML_SPECIAL_ALL,
    (s) =>
      ENTITIES[s] ??
      (s.length > 1
        ? `_x005F${s}`
        : `_x${s.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`),
  );
}

function textElement(value: string): string {
  const spaced = value !== value.trim();
  return spaced ? `<t xml:space="preserve">${xmlText(value)}</t>` : `<t>${xmlText(value)}</t>`;
}

function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

function validateSheetName(name: string, sheets: readonly XlsxSheet[]): void {
  const problem =
    name.length === 0 || name.length > MAX_SHEET_NAME
      ? `1 to ${MAX_SHEET_NAME} characters`
      : /[[\]:*?/\\]/.test(name)
        ? 'none of [ ] : * ? / \\'
        : name.startsWith("'") || name.endsWith("'")
          ? "no ' at either end"
          : sheets.some((s) => s.name.toLowerCase() === name.toLowerCase())
            ? 'unique in the workbook'
            : undefined;
  if (problem) throw new RangeError(`sheet name "${name}": ${problem}`);
}

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

const ROOT_RELS =
  XML_HEADER +
  `<Relationships xmlns="${PKG_REL_NS}">` +
  `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/>` +
  '</Relationships>';

function stylesXml(formats: (typeof LOCALE_FORMATS)['fi'], currency: string): string {
  const numFmt = (id: number, code: string): string =>
    `<numFmt numFmtId="${id}" formatCode="${xmlText(code)}"/>`;
  const xf = (numFmtId: number, fontId = 0): string =>
    `<xf numFmtId="${numFmtId}" fontId="${fontId}" fillId="0" borderId="0" xfId="0"` +
    `${numFmtId ? ' applyNumberFormat="1"' : ''}${fontId ? ' applyFont="1"' : ''}/>`;
  const font = (bold: boolean): string =>
    `<font>${bold ? '<b/>' : ''}<sz val="11"/><name val="Calibri"/><family val="2"/></font>`;
  // The order of cellXfs is STYLE's; 49 is Excel's built-in text format ("@").
  const cellXfs = [xf(0), xf(49, 1), xf(49), xf(164), xf(165), xf(166)];
  return (
    XML_HEADER +
    `<styleSheet xmlns="${MAIN_NS}">` +
    `<numFmts count="3">${numFmt(164, formats.date)}${numFmt(165, formats.datetime)}${numFmt(166, formats.money(currency))}</numFmts>` +
    `<fonts count="2">${font(false)}${font(true)}</fonts>` +
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
    `<cellXfs count="${cellXfs.length}">${cellXfs.join('')}</cellXfs>` +
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
    '</styleSheet>'
  );
}

function workbookXml(sheets: readonly XlsxSheet[]): string {
  const quoted = (name: string): string => `'${name.replaceAll("'", "''")}'`;
  return (
    XML_HEADER +
    `<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    '<bookViews><workbookView/></bookViews><sheets>' +
    sheets
      .map((s) => `<sheet name="${xmlText(s.name)}" sheetId="${s.index}" r:id="rId${s.index}"/>`)
      .join('') +
    '</sheets><definedNames>' +
    // What Excel itself writes beside each autofilter.
    sheets
      .map(
        (s) =>
          `<definedName name="_xlnm._FilterDatabase" localSheetId="${s.index - 1}" hidden="1">${xmlText(`${quoted(s.name)}!${s.range}`)}</definedName>`,
      )
      .join('') +
    '</definedNames></workbook>'
  );
}

function workbookRelsXml(sheetCount: number): string {
  let rels = '';
  for (let i = 1; i <= sheetCount; i++) {
    rels += `<Relationship Id="rId${i}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i}.xml"/>`;
  }
  rels += `<Relationship Id="rId${sheetCount + 1}" Type="${REL_NS}/styles" Target="styles.xml"/>`;
  return XML_HEADER + `<Relationships xmlns="${PKG_REL_NS}">${rels}</Relationships>`;
}

function contentTypesXml(sheetCount: number): string {
  const ct = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
  let overrides = `<Override PartName="/xl/workbook.xml" ContentType="${ct}.sheet.main+xml"/>`;
  overrides += `<Override PartName="/xl/styles.xml" ContentType="${ct}.styles+xml"/>`;
  for (let i = 1; i <= sheetCount; i++) {
    overrides += `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="${ct}.worksheet+xml"/>`;
  }
  return (
    XML_HEADER +
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    overrides +
    '</Types>'
  );
}
