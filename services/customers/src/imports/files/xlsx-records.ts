import { createReadStream } from 'node:fs';
import ExcelJS from 'exceljs';
import type { ImportMessageParams, ImportRowProblemCode } from './messages';

/** One non-empty row of a worksheet: its cells as text, and what was wrong with some of them. */
export interface SheetRecord {
  /** The row's number in the sheet (1-based). */
  line: number;
  cells: string[];
  /** Cells that could not be read: by 0-based column. */
  cellProblems: CellProblem[] | null;
}

export interface CellProblem {
  column: number;
  code: ImportRowProblemCode;
  params?: ImportMessageParams;
}

interface CellText {
  text: string;
  problem?: { code: ImportRowProblemCode; params?: ImportMessageParams };
}

/**
 * The rows of the first worksheet of an XLSX file, read streaming with exceljs's
 * WorkbookReader: the sheet's XML is parsed as it is inflated, shared strings are cached, styles
 * too (a number is a date only by its format). When the ZIP holds the sheet before its shared
 * strings (Excel and exceljs's own writer both do), exceljs inflates the sheet into a temporary
 * file first and reads it after them: the first row then comes after one pass over the ZIP.
 * Rows come in arrays of a few hundred to spare an await per row.
 */
export async function* xlsxRecords(path: string): AsyncGenerator<SheetRecord[]> {
  const input = createReadStream(path);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    entries: 'ignore',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
  });
  try {
    for await (const sheet of reader) {
      let records: SheetRecord[] = [];
      for await (const row of sheet) {
        const record = sheetRecord(row);
        if (record !== null) records.push(record);
        if (records.length >= 512) {
          yield records;
          records = [];
        }
      }
      if (records.length > 0) yield records;
      // Only the first worksheet is read.
      return;
    }
  } finally {
    // Leaving early (the first sheet read, or a consumer that stops) leaves exceljs's unzip
    // waiting on the file: closed here, not when the collector gets to it.
    input.destroy();
  }
}

function sheetRecord(row: ExcelJS.Row): SheetRecord | null {
  const values = row.values;
  if (!Array.isArray(values)) return null;
  const cells: string[] = [];
  let cellProblems: CellProblem[] | null = null;
  let blank = true;
  // row.values is 1-based and sparse (an empty cell is a hole).
  for (let c = 1; c < values.length; c++) {
    const { text, problem } = cellText(values[c]);
    cells.push(text);
    if (text.trim() !== '') blank = false;
    if (problem) (cellProblems ??= []).push({ column: c - 1, ...problem });
  }
  if (blank && cellProblems === null) return null;
  return { line: row.number, cells, cellProblems };
}

/**
 * A cell's value as the text an import reads: text as typed, rich text as its plain text, a
 * hyperlink as its text, numbers without float noise, dates as YYYY-MM-DD, a formula as its
 * cached result (never evaluated), an error value (#N/A) or a formula never calculated as a
 * problem on the cell.
 */
export function cellText(value: ExcelJS.CellValue): CellText {
  if (value === null || value === undefined) return { text: '' };
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'number') return { text: numberText(value) };
  if (typeof value === 'boolean') return { text: value ? 'true' : 'false' };
  if (value instanceof Date) return { text: dateText(value) };
  if ('richText' in value) return { text: value.richText.map((part) => part.text).join('') };
  if ('formula' in value || 'sharedFormula' in value) {
    const result = value.result;
    if (result === undefined || result === null) {
      const formula =
        'sharedFormula' in value ? (value.formula ?? value.sharedFormula) : value.formula;
      return { text: `=${formula ?? ''}`, problem: { code: 'import-formula-no-result' } };
    }
    return cellText(result);
  }
  if ('error' in value) {
    return {
      text: value.error,
      problem: { code: 'import-cell-error', params: { error: value.error } },
    };
  }
  if ('hyperlink' in value) {
    const text: unknown = value.text;
    // exceljs gives a hyperlink's text as rich text when it was formatted.
    return typeof text === 'string' ? { text } : cellText(text as ExcelJS.CellValue);
  }
  return { text: '' };
}

/** 15 significant digits, as Excel shows them: 0.1 + 0.2 is "0.3". */
function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toString();
  return Number(n.toPrecision(15)).toString();
}

/**
 * exceljs gives a date cell as the Date whose UTC fields are the sheet's wall clock. A date is
 * YYYY-MM-DD; its time of day (a "created at" with hours) is dropped, the import reads dates.
 */
function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  return date.toISOString().slice(0, 10);
}
