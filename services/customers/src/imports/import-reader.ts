import type { ImportWarningView, Locale } from '@kanta/contracts';
import type { ImportSourceRow } from './dry-run/row-check';

/** A file opened by the reader: what it is, and its rows in batches. */
export interface OpenedImportFile {
  format: 'csv' | 'xlsx';
  encoding: string | null;
  separator: string | null;
  /** The header row as uploaded, for errors.xlsx. */
  headers: string[];
  warnings: ImportWarningView[];
  batches(size: number): AsyncIterable<ImportSourceRow[]>;
  /** Lets go of the file when its rows are not read (the start only checks that it opens). */
  close(): Promise<void>;
}

/**
 * The file reader of imports (services/customers/src/imports/files: CSV and XLSX by their bytes,
 * headers in five languages, the template), behind a token so the dry run and its tests take
 * rows from it without knowing how they were read.
 */
export interface ImportFileReader {
  /** Throws a problem `{ status, code, field?, params? }` when the file cannot be read. */
  open(
    path: string,
    options: { encoding?: string; mapping?: Record<string, string | null> },
    locale: Locale,
  ): Promise<OpenedImportFile>;
  /** A problem code as a sentence in the locale. */
  message(code: string, locale: Locale, params?: Record<string, unknown>): string;
  /** The import template (XLSX). */
  template(locale: Locale, vehicles: boolean): Promise<Buffer>;
}

export const IMPORT_FILE_READER = Symbol('IMPORT_FILE_READER');

/** A problem the reader throws: a file refused as a whole (415, 422, 413). */
export interface ImportFileProblemLike {
  status: number;
  code: string;
  field?: string | null;
  params?: Record<string, unknown>;
}

export function isImportFileProblem(error: unknown): error is ImportFileProblemLike {
  const e = error as Partial<ImportFileProblemLike> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.status === 'number' &&
    e.status >= 400 &&
    e.status < 500 &&
    typeof e.code === 'string'
  );
}
