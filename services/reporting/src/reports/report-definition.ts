import type { Writable } from 'node:stream';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import type { CallerContext, FieldError, ReportType } from '@kanta/contracts';
import {
  CsvWriter,
  XlsxWriter,
  type CellValue,
  type ReportColumn,
  type ReportFormat as WriterFormat,
} from '@kanta/reports';
import { RpcProblem, fieldErrorsOfInstance } from '@kanta/platform';
import { reportAbout } from './report-about';
import type { ReportJobRecord } from './report-jobs.repository';

/** Rows read from Postgres at a time (keyset pages: never a whole report in memory). */
export const REPORT_BATCH = 1000;

/**
 * Called after each batch written with the rows so far and the batch's customers; false stops the
 * report (it was cancelled, or a customer in it erased).
 */
export type BatchWritten = (rowsWritten: number, customerIds: string[]) => Promise<boolean>;

/** Thrown when BatchWritten said stop. */
export class ReportStopped extends Error {
  constructor() {
    super('the report is no longer running');
    this.name = 'ReportStopped';
  }
}

/**
 * One report type. The catalogue (ReportCatalogue) holds one of each; the request checks the
 * criteria with it, the run counts and writes with it. A definition reads the read model only.
 */
export interface ReportDefinition {
  readonly type: ReportType;
  /** Whether a worker may ask for it (only the registry, of their own regulars); else admins. */
  readonly forWorkers: boolean;
  /**
   * The criteria to store, checked for this caller: 422 naming `criteria.<field>` for an unknown
   * or invalid field, 403 for criteria beyond the caller's reach.
   */
  criteria(context: CallerContext, raw: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The rows the report will have, for its progress. */
  count(job: ReportJobRecord): Promise<number>;
  /**
   * Writes the file to `out` (ended when done); answers the rows written. The writer takes what
   * the file says about itself (freshness, catch-up: report-about.ts): `writeTable` adds it, a
   * definition that makes its own writer passes `reportFileFormat(job)`.
   */
  write(job: ReportJobRecord, out: Writable, written: BatchWritten): Promise<number>;
}

/**
 * Criteria through their DTO: the instance, or a 422 naming each bad field `criteria.<field>`
 * (unknown fields included). `more` adds checks the decorators cannot express.
 */
export async function checkedCriteria<T extends object>(
  dto: ClassConstructor<T>,
  raw: Record<string, unknown>,
  more: (criteria: T) => FieldError[] = () => [],
): Promise<T> {
  const criteria = plainToInstance(dto, raw);
  const errors = await fieldErrorsOfInstance(criteria, {
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  errors.push(...more(criteria));
  if (errors.length > 0) {
    throw RpcProblem.validation(
      errors.map((error) => ({ ...error, field: `criteria.${error.field}` })),
      'The report criteria have invalid fields.',
    );
  }
  return criteria;
}

/**
 * Reads rows in keyset pages of REPORT_BATCH, hands each to `add` and reports each batch to
 * `written` (which may stop the report); answers the rows counted from `rowsBefore`.
 * `page(after)` answers the rows after the key of the previous page's last row (null first).
 *
 * The three run side by side: the next page is read, and the previous batch recorded by
 * `written`, while a batch is written — each a round trip to Postgres that, one after another,
 * took most of a report's time (docs/benchmarks.md, "Registry CSV"). `written` is still called
 * once per batch, in order, each call awaited before the next is made and before the rows are
 * answered: so a stop is seen one batch later than it was said (the rows written meanwhile go
 * with the unfinished file), and every batch in a finished file is in the manifest.
 */
export async function writeInPages<Row, Key>(
  page: (after: Key | null, limit: number) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
  customersOf: (batch: Row[]) => string[],
  add: (row: Row) => Promise<void>,
  rowsBefore: number,
  written: BatchWritten,
): Promise<number> {
  let rows = rowsBefore;
  let next: Promise<Row[]> | null = handled(page(null, REPORT_BATCH));
  let recorded: Promise<boolean> = Promise.resolve(true);
  try {
    while (next) {
      const batch: Row[] = await next;
      next =
        batch.length < REPORT_BATCH
          ? null
          : handled(page(keyOf(batch[batch.length - 1]), REPORT_BATCH));
      for (const row of batch) await add(row);
      rows += batch.length;
      if (!(await recorded)) throw new ReportStopped();
      recorded = handled(written(rows, [...new Set(customersOf(batch))]));
    }
    if (!(await recorded)) throw new ReportStopped();
    return rows;
  } catch (error) {
    // A batch's record in flight ends before this throws: the run's clean-up after a failure
    // (the job failed, its manifest forgotten) never races a record of its own.
    await recorded.catch(() => undefined);
    throw error;
  }
}

/**
 * `promise`, marked as handled: a read or a record in flight when a write fails is not awaited
 * by the failure, and its own failure then would be an unhandled rejection (ending the process).
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * A report whose file is one table: the whole CSV, or the XLSX's first sheet, named `sheet`
 * (`more` adds the workbook's next sheets after it and answers the rows it wrote). `fill` hands
 * each row to `add` and answers the rows written; so does this, in all.
 */
export async function writeTable(
  job: ReportJobRecord,
  out: Writable,
  format: WriterFormat,
  sheet: string,
  columns: ReportColumn[],
  fill: (add: (cells: CellValue[]) => Promise<void>) => Promise<number>,
  more: (book: XlsxWriter) => Promise<number> = () => Promise.resolve(0),
): Promise<number> {
  // What the file says about itself (freshness, catch-up) goes with every table report.
  const withAbout = { ...format, about: reportAbout(job) };
  if (job.format === 'csv') {
    const csv = new CsvWriter(out, columns, withAbout);
    const rows = await fill((cells) => csv.addRow(cells));
    await csv.finish();
    return rows;
  }
  const book = new XlsxWriter(out, withAbout);
  const table = book.addSheet(sheet, columns);
  const rows = (await fill((cells) => table.addRow(cells))) + (await more(book));
  await book.finish();
  return rows;
}
