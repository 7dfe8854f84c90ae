import type { Locale } from '@kanta/contracts';

/**
 * What a column holds, which decides how a cell is written in both formats:
 * - `text`: free text (names, notes, addresses); formula triggers are neutralised.
 * - `phone`: a phone number exactly as stored (E.164 `+358…`), a text cell; see `cellText`.
 * - `raw`: text the caller vouches for (ids, codes), written exactly as given.
 * - `number`: a plain number.
 * - `money`: an amount in major units (59.9 for 59,90 €), a number with the currency format.
 * - `date`: a calendar date (`YYYY-MM-DD`, or an instant taken as its date in the time zone).
 * - `datetime`: an instant, shown as the wall clock of the time zone.
 */
export type ColumnType = 'text' | 'phone' | 'raw' | 'number' | 'money' | 'date' | 'datetime';

export interface ReportColumn {
  header: string;
  type: ColumnType;
  /** Excel column width in characters; a default by type when left out. */
  width?: number;
}

/** A cell's value; null and undefined are an empty cell. */
export type CellValue = string | number | Date | null | undefined;

export interface ReportFormat {
  locale: Locale;
  /** IANA time zone the dates and times are shown in, e.g. `Europe/Helsinki`. */
  timeZone: string;
  /** ISO 4217 code of the `money` columns. Default EUR. */
  currency?: string;
  /** What the file says about itself (how fresh its data is), written after the data. */
  about?: FileAbout;
}

/**
 * A few lines about the file itself, each a label, a time (or none) and a note: in an XLSX a last
 * sheet of their own, under `headers`; in a CSV lines after the rows, after an empty line (a
 * first line would be taken for the header by every program that imports the file).
 */
export interface FileAbout {
  sheetName: string;
  headers: readonly [label: string, time: string, note: string];
  rows: readonly (readonly [label: string, time: Date | null, note: string | null])[];
}

/** The columns the lines about a file are written in. */
export function fileAboutColumns(about: FileAbout): ReportColumn[] {
  return [
    { header: about.headers[0], type: 'text', width: 56 },
    { header: about.headers[1], type: 'datetime', width: 20 },
    { header: about.headers[2], type: 'text', width: 40 },
  ];
}

const DEFAULT_WIDTH: Record<ColumnType, number> = {
  text: 24,
  phone: 18,
  raw: 20,
  number: 12,
  money: 14,
  date: 12,
  datetime: 18,
};

/** The column's width, or one that fits its type and its header. */
export function columnWidth(column: ReportColumn): number {
  return (
    column.width ?? Math.min(60, Math.max(DEFAULT_WIDTH[column.type], column.header.length + 4))
  );
}
