import type { Writable } from 'node:stream';
import { adoptErrors, endStream, writeDrained } from './backpressure';
import { cellText } from './cell-safety';
import { fileAboutColumns, type CellValue, type ReportColumn, type ReportFormat } from './columns';
import { LOCALE_FORMATS } from './number-formats';
import { WallClockText, ZonedTime, instantOf, isCalendarDate } from './zoned-time';

const BOM = '\ufeff';
const CHUNK_CHARS = 64 * 1024;

type FieldWriter = (value: Exclude<CellValue, null | undefined>, row: number) => string;

/**
 * A CSV file as Excel of the locale opens it: UTF-8 with a BOM (so ä, ś and ї show right), the
 * locale's separator (`;` where the decimal separator is a comma: fi, pl, fr, uk; `,` for en),
 * RFC 4180 quoting, CRLF line ends. Numbers and amounts use the locale's decimal separator and
 * no thousands separator; dates are `YYYY-MM-DD` and times `YYYY-MM-DD HH:MM:SS` on the wall
 * clock of the time zone, forms Excel reads as dates in every locale. Text is neutralised
 * against formula injection exactly as in the XLSX writer (`cellText`).
 *
 * `addRow` resolves only when the output has room: memory stays flat whatever the row count.
 */
export class CsvWriter {
  private readonly separator: ',' | ';';
  /** What makes a field need quotes: the separator, a quote, a line break. */
  private readonly needsQuotes: RegExp;
  private readonly fields: FieldWriter[];
  private pending = BOM;
  private rows = 0;
  private busy = false;
  private finished = false;

  constructor(
    private readonly output: Writable,
    columns: readonly ReportColumn[],
    private readonly format: ReportFormat,
  ) {
    adoptErrors(output);
    const formats = LOCALE_FORMATS[format.locale];
    this.separator = formats.csvSeparator;
    this.needsQuotes = new RegExp(`[${this.separator}"\r\n]`);
    const time = new ZonedTime(format.timeZone);
    this.fields = columns.map((column, i) =>
      fieldWriter(column, i, time, formats.decimalSeparator),
    );
    this.pending += columns.map((c) => this.quote(cellText('text', c.header))).join(this.separator);
    this.pending += '\r\n';
  }

  /** Data rows written so far. */
  get rowCount(): number {
    return this.rows;
  }

  /** Adds a row (values in the columns' order); await each call before the next. */
  async addRow(values: readonly CellValue[]): Promise<void> {
    if (this.busy) throw new Error('await addRow before adding another row');
    if (this.finished) throw new Error('the CSV file is finished');
    if (values.length > this.fields.length) {
      throw new RangeError(`${values.length} values for ${this.fields.length} columns`);
    }
    this.busy = true;
    try {
      const row = ++this.rows;
      let line = '';
      for (let i = 0; i < this.fields.length; i++) {
        if (i > 0) line += this.separator;
        const value = values[i];
        if (value !== null && value !== undefined && value !== '') {
          line += this.quote(this.fields[i](value, row));
        }
      }
      this.pending += line + '\r\n';
      if (this.pending.length >= CHUNK_CHARS) await this.flush();
    } finally {
      this.busy = false;
    }
  }

  /** Writes what is left and ends the output stream, waiting until it has flushed. */
  async finish(): Promise<void> {
    if (this.finished) throw new Error('the CSV file is finished');
    this.finished = true;
    const about = this.format.about;
    if (about) {
      const fields = fileAboutColumns(about).map((column, i) =>
        fieldWriter(column, i, new ZonedTime(this.format.timeZone), '.'),
      );
      this.pending += '\r\n';
      for (const row of about.rows) {
        const line = row.map((value, i) =>
          value === null || value === '' ? '' : this.quote(fields[i](value, 0)),
        );
        this.pending += line.join(this.separator) + '\r\n';
      }
    }
    await this.flush();
    await endStream(this.output);
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    await writeDrained(this.output, chunk);
  }

  /** RFC 4180: a field with the separator, a quote or a line break is quoted, quotes doubled. */
  private quote(field: string): string {
    if (!this.needsQuotes.test(field)) return field;
    return `"${field.replaceAll('"', '""')}"`;
  }
}

function fieldWriter(
  column: ReportColumn,
  index: number,
  time: ZonedTime,
  decimal: '.' | ',',
): FieldWriter {
  const where = (row: number) => (): string => `row ${row}, column ${index + 1}`;
  const number =
    (digits: number | undefined) =>
    (value: CellValue, row: number): string => {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n))
        throw new TypeError(`${where(row)()}: not a number: ${String(value)}`);
      const text = digits === undefined ? String(n) : n.toFixed(digits);
      return decimal === '.' ? text : text.replace('.', ',');
    };
  switch (column.type) {
    case 'text':
    case 'phone':
    case 'raw': {
      const type = column.type;
      return (value) =>
        cellText(
          type,
          typeof value === 'string'
            ? value
            : value instanceof Date
              ? value.toISOString()
              : String(value),
        );
    }
    case 'number':
      return number(undefined);
    case 'money':
      return number(2);
    case 'date': {
      const text = new WallClockText();
      return (value, row) => {
        if (typeof value === 'string' && isCalendarDate(value)) return value;
        return text.date(time.wallClock(instantOf(value, where(row))));
      };
    }
    case 'datetime': {
      const text = new WallClockText();
      return (value, row) => text.format(time.wallClock(instantOf(value, where(row))));
    }
  }
}
