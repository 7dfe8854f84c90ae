import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import {
  CsvRecordTooLong,
  CsvScanner,
  IMPORT_MAX_CELL_CHARS,
  IMPORT_MAX_RECORD_CHARS,
  splitHeaderLine,
  type CsvRecord,
  type CsvSeparator,
} from './csv-scanner';
import {
  ambiguousFieldsOfHeader,
  fieldOfHeader,
  isImportField,
  missingRequiredFields,
  type ImportField,
} from './import-fields';
import type {
  ImportFileProblemCode,
  ImportMessageParams,
  ImportRowProblemCode,
  ImportWarningCode,
} from './messages';
import {
  IMPORT_ENCODINGS,
  byteOrderMark,
  detectTextEncoding,
  importEncodingOf,
  decodeText,
  looksLikeText,
  type TextEncodingName,
} from './text-encoding';
import { XlsxRowTooLong, xlsxRecords, type CellProblem } from './xlsx-records';

export { IMPORT_MAX_CELL_CHARS } from './csv-scanner';
/** More columns than this and the file is refused. */
export const IMPORT_MAX_COLUMNS = 200;

export interface ImportFileOptions {
  /** The encoding of a CSV file, instead of the detected one (`IMPORT_ENCODINGS` and aliases). */
  encoding?: string;
  /** Header (as in the file) → field, or null to ignore the column; beats recognition. */
  mapping?: Record<string, ImportField | null>;
  /** Larger files are refused with a 413 (the gateway's upload limit applies first). */
  maxBytes?: number;
}

export interface ImportFileMessage {
  code: ImportWarningCode;
  params?: ImportMessageParams;
}

export interface ImportColumn {
  /** 0-based position in the file. */
  index: number;
  header: string;
  field: ImportField | null;
  via: 'header' | 'mapping' | null;
}

export interface ImportRowProblem {
  field: ImportField | 'row';
  code: ImportRowProblemCode;
  params?: ImportMessageParams;
}

export interface ImportFileRow {
  /** The 1-based line (CSV: where the record starts) or row (XLSX) in the file, header included. */
  rowNumber: number;
  /** Trimmed text of each mapped, non-empty cell; XLSX dates as YYYY-MM-DD, numbers as text. */
  values: Partial<Record<ImportField, string>>;
  /** Every cell as uploaded (untrimmed), in the file's column order. */
  raw: string[];
  problems: ImportRowProblem[];
}

export interface ImportFile {
  format: 'csv' | 'xlsx';
  encoding: string | null;
  separator: CsvSeparator | null;
  columns: ImportColumn[];
  warnings: ImportFileMessage[];
  /**
   * The data rows (not the header; blank rows skipped) in arrays of `size`. Each call reads the
   * file from its start again. A file that turns out unreadable part way (a corrupt XLSX, a CSV
   * record longer than any row can be) throws an `ImportFileProblem`.
   */
  batches(size: number): AsyncIterable<ImportFileRow[]>;
  /**
   * Lets go of the file opened to read the header, if `batches()` was never called (a job
   * cancelled between opening and reading): otherwise it stays open until collected.
   */
  close(): Promise<void>;
}

/** A file refused as a whole, with the status and code the API answers with. */
export class ImportFileProblem extends Error {
  constructor(
    readonly status: 413 | 415 | 422,
    readonly code: ImportFileProblemCode,
    readonly field: 'file' | 'encoding' | 'mapping',
    readonly params: ImportMessageParams = {},
  ) {
    super(`${code}${Object.keys(params).length > 0 ? ` ${JSON.stringify(params)}` : ''}`);
    this.name = 'ImportFileProblem';
  }
}

/** How many bytes of the start of a file are looked at to recognise it. */
const HEAD_BYTES = 64 * 1024;
/** How many bytes of the end of a ZIP file are searched for the workbook's entry. */
const ZIP_TAIL_BYTES = 1024 * 1024;
const XLS_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/**
 * The CSV is read and scanned in chunks of this many bytes. Measured (bench/import-parse.ts):
 * 64 KiB scans a million rows in under half the time 1 MiB takes, as a chunk's records die
 * young instead of outliving the young generation; above 128 KiB it is slower again.
 */
const CSV_CHUNK_BYTES = 64 * 1024;

/** A source of the file's records, each call from the start of the file. */
interface RecordSource {
  records(): AsyncGenerator<SourceRecord[]>;
}

interface SourceRecord {
  line: number;
  cells: string[];
  broken?: boolean;
  cellProblems?: CellProblem[] | null;
}

/**
 * Opens an uploaded import file: recognises it by its bytes (XLSX, legacy XLS refused with a
 * 415, text read as CSV, anything else a 422), reads its header, matches its columns to fields
 * (the mapping first, then the header dictionary) and checks there is at least one row of data.
 * Every refusal of the whole file is an `ImportFileProblem`; what is wrong with one row is on
 * that row.
 */
export async function openImportFile(
  path: string,
  options: ImportFileOptions = {},
): Promise<ImportFile> {
  const encodingOverride = validateEncoding(options.encoding);
  const mapping = validateMapping(options.mapping);
  const { size, head, tail } = await readEnds(path);
  if (size === 0) throw new ImportFileProblem(422, 'import-file-empty', 'file');
  if (options.maxBytes !== undefined && size > options.maxBytes) {
    throw new ImportFileProblem(413, 'import-file-too-large', 'file', {
      maxBytes: options.maxBytes,
    });
  }
  if (startsWith(head, XLS_MAGIC)) {
    throw new ImportFileProblem(415, 'import-xls-unsupported', 'file');
  }
  if (startsWith(head, ZIP_MAGIC)) {
    if (!tail.includes('xl/workbook.xml')) {
      throw new ImportFileProblem(422, 'import-file-unreadable', 'file');
    }
    return openSheet('xlsx', null, null, xlsxSource(path), mapping);
  }
  const bom = byteOrderMark(head);
  if (!bom?.encoding.startsWith('utf-16') && !looksLikeText(head)) {
    throw new ImportFileProblem(422, 'import-file-unreadable', 'file');
  }
  const start = bom?.length ?? 0;
  const warnings: ImportFileMessage[] = [];
  let encoding: TextEncodingName;
  // A UTF-16 BOM is the bytes speaking: no single-byte encoding named at upload can read them.
  if (bom && bom.encoding !== 'utf-8') encoding = bom.encoding;
  else if (encodingOverride) encoding = encodingOverride;
  else if (bom) encoding = bom.encoding;
  else {
    encoding = await detectTextEncoding(path, start);
    if (encoding !== 'utf-8') {
      warnings.push({ code: 'import-encoding-detected', params: { encoding } });
    }
  }
  const headText = decodeText(encoding, head.subarray(start));
  const separator = chooseSeparator(headText, mapping);
  return openSheet(
    'csv',
    encoding,
    separator,
    csvSource(path, start, encoding, separator),
    mapping,
    warnings,
  );
}

function validateEncoding(name: string | undefined): TextEncodingName | null {
  if (name === undefined || name.trim() === '') return null;
  const encoding = importEncodingOf(name);
  if (encoding === null) {
    throw new ImportFileProblem(422, 'import-encoding-unknown', 'encoding', {
      encoding: name.slice(0, 100),
      supported: IMPORT_ENCODINGS.join(', '),
    });
  }
  return encoding;
}

type Mapping = Map<string, ImportField | null>;

function validateMapping(mapping: ImportFileOptions['mapping']): Mapping {
  const checked: Mapping = new Map();
  for (const [header, value] of Object.entries(mapping ?? {})) {
    if (value !== null && !isImportField(value)) {
      throw new ImportFileProblem(422, 'import-mapping-field-unknown', 'mapping', {
        header: header.slice(0, 200),
        value: String(value).slice(0, 100),
      });
    }
    checked.set(header.trim(), value);
  }
  return checked;
}

async function readEnds(path: string): Promise<{ size: number; head: Buffer; tail: string }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    throw new ImportFileProblem(422, 'import-file-unreadable', 'file');
  }
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await handle.read(head, 0, head.length, 0);
    let tail = '';
    if (startsWith(head, ZIP_MAGIC)) {
      // The ZIP's central directory, at its end, names every entry.
      const bytes = Buffer.alloc(Math.min(size, ZIP_TAIL_BYTES));
      await handle.read(bytes, 0, bytes.length, size - bytes.length);
      tail = bytes.toString('latin1');
    }
    return { size, head, tail };
  } finally {
    await handle.close();
  }
}

const startsWith = (bytes: Buffer, magic: Buffer): boolean =>
  bytes.length >= magic.length && bytes.subarray(0, magic.length).equals(magic);

/**
 * The separator that splits the header line into the most recognised columns, then the most
 * columns; a comma when nothing tells.
 */
function chooseSeparator(headText: string, mapping: Mapping): CsvSeparator {
  let best: { separator: CsvSeparator; known: number; columns: number } | null = null;
  for (const separator of [',', ';', '\t'] as const) {
    const cells = splitHeaderLine(headText, separator);
    const known = cells.filter((cell) => {
      const header = cell.trim();
      return mapping.has(header) || fieldOfHeader(header) !== null;
    }).length;
    if (
      best === null ||
      known > best.known ||
      (known === best.known && cells.length > best.columns)
    ) {
      best = { separator, known, columns: cells.length };
    }
  }
  return best?.separator ?? ',';
}

function csvSource(
  path: string,
  start: number,
  encoding: TextEncodingName,
  separator: CsvSeparator,
): RecordSource {
  return {
    async *records() {
      const decoder = new TextDecoder(encoding, { ignoreBOM: true });
      const scanner = new CsvScanner(separator);
      try {
        for await (const chunk of createReadStream(path, {
          start,
          highWaterMark: CSV_CHUNK_BYTES,
        })) {
          const records: CsvRecord[] = [];
          scanner.push(decoder.decode(chunk as Buffer, { stream: true }), false, records);
          if (records.length > 0) yield records;
        }
        const records: CsvRecord[] = [];
        scanner.push(decoder.decode(), true, records);
        if (records.length > 0) yield records;
      } catch (error) {
        if (error instanceof CsvRecordTooLong) {
          throw new ImportFileProblem(422, 'import-row-too-long', 'file', {
            row: error.line,
            max: IMPORT_MAX_RECORD_CHARS,
          });
        }
        throw error;
      }
    },
  };
}

function xlsxSource(path: string): RecordSource {
  return {
    async *records() {
      try {
        yield* xlsxRecords(path);
      } catch (error) {
        if (error instanceof ImportFileProblem) throw error;
        if (error instanceof XlsxRowTooLong) {
          throw new ImportFileProblem(422, 'import-row-too-long', 'file', {
            row: error.line,
            max: IMPORT_MAX_RECORD_CHARS,
          });
        }
        // A corrupt ZIP, a part missing, a ZIP bomb, a DOCTYPE: nothing a user can act on
        // beyond saving the file again from Excel.
        throw new ImportFileProblem(422, 'import-file-unreadable', 'file');
      }
    },
  };
}

/** Reads a source's header and first data row, and makes the file's columns. */
async function openSheet(
  format: 'csv' | 'xlsx',
  encoding: string | null,
  separator: CsvSeparator | null,
  source: RecordSource,
  mapping: Mapping,
  warnings: ImportFileMessage[] = [],
): Promise<ImportFile> {
  const first = source.records();
  const pending: SourceRecord[] = [];
  const pull = async (): Promise<SourceRecord | undefined> => {
    while (pending.length === 0) {
      const next = await first.next();
      if (next.done) return undefined;
      pending.push(...next.value);
    }
    return pending.shift();
  };
  let header: SourceRecord | undefined;
  let firstRow: SourceRecord | undefined;
  try {
    header = await pull();
    if (header === undefined) throw new ImportFileProblem(422, 'import-file-empty', 'file');
    const columns = makeColumns(header.cells, mapping, warnings);
    firstRow = await pull();
    if (firstRow === undefined) throw new ImportFileProblem(422, 'import-header-only', 'file');
    const headerLine = header.line;
    let opened: AsyncGenerator<SourceRecord[]> | null = first;
    const readRows = new RowReader(columns);
    return {
      format,
      encoding,
      separator,
      columns,
      warnings,
      batches(size: number): AsyncIterable<ImportFileRow[]> {
        const reuse = opened;
        opened = null;
        return batchesOf(
          size,
          reuse ? withPending([firstRow!, ...pending], reuse) : skipHeader(source, headerLine),
          readRows,
        );
      },
      async close(): Promise<void> {
        const unused = opened;
        opened = null;
        await unused?.return(undefined);
      },
    };
  } catch (error) {
    await first.return(undefined);
    throw error;
  }
}

async function* withPending(
  pending: SourceRecord[],
  rest: AsyncGenerator<SourceRecord[]>,
): AsyncGenerator<SourceRecord[]> {
  yield pending;
  yield* rest;
}

async function* skipHeader(
  source: RecordSource,
  headerLine: number,
): AsyncGenerator<SourceRecord[]> {
  for await (const records of source.records()) {
    const rows = records.filter((record) => record.line > headerLine);
    if (rows.length > 0) yield rows;
  }
}

async function* batchesOf(
  size: number,
  records: AsyncGenerator<SourceRecord[]>,
  reader: RowReader,
): AsyncGenerator<ImportFileRow[]> {
  const batchSize = Math.max(1, Math.floor(size));
  let batch: ImportFileRow[] = [];
  try {
    for await (const group of records) {
      for (const record of group) {
        batch.push(reader.row(record));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    await records.return(undefined);
  }
}

function makeColumns(
  headers: string[],
  mapping: Mapping,
  warnings: ImportFileMessage[],
): ImportColumn[] {
  if (headers.length > IMPORT_MAX_COLUMNS) {
    throw new ImportFileProblem(422, 'import-too-many-columns', 'file', {
      columns: headers.length,
      max: IMPORT_MAX_COLUMNS,
    });
  }
  const seen = new Map<string, number>();
  const columns: ImportColumn[] = headers.map((cell, index) => {
    const header = cell.trim();
    if (header !== '') {
      const key = header.toLowerCase();
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        throw new ImportFileProblem(422, 'import-duplicate-headers', 'file', {
          header: header.slice(0, 200),
          first: earlier + 1,
          second: index + 1,
        });
      }
      seen.set(key, index);
    }
    if (mapping.has(header)) {
      const field = mapping.get(header) ?? null;
      if (field === null) warnings.push({ code: 'import-column-ignored', params: { header } });
      return { index, header, field, via: field === null ? null : ('mapping' as const) };
    }
    const field = header === '' ? null : fieldOfHeader(header);
    if (field !== null) return { index, header, field, via: 'header' as const };
    if (header !== '') {
      const ambiguous = ambiguousFieldsOfHeader(header);
      warnings.push(
        ambiguous
          ? { code: 'import-column-ambiguous', params: { header, fields: ambiguous.join(', ') } }
          : { code: 'import-column-unknown', params: { header, column: index + 1 } },
      );
    }
    return { index, header, field: null, via: null };
  });
  const known = new Set(columns.map((column) => column.header));
  for (const header of mapping.keys()) {
    if (!known.has(header))
      warnings.push({ code: 'import-mapping-header-unknown', params: { header } });
  }
  const byField = new Map<ImportField, ImportColumn>();
  for (const column of columns) {
    if (column.field === null) continue;
    const earlier = byField.get(column.field);
    if (earlier) {
      throw new ImportFileProblem(
        422,
        'import-field-mapped-twice',
        earlier.via === 'mapping' || column.via === 'mapping' ? 'mapping' : 'file',
        { field: column.field, first: earlier.header, second: column.header },
      );
    }
    byField.set(column.field, column);
  }
  const missing = missingRequiredFields((field) => byField.has(field));
  if (missing.length > 0) {
    throw new ImportFileProblem(422, 'import-required-column-missing', 'file', {
      fields: missing.join(', '),
    });
  }
  return columns;
}

/** Turns a record's cells into a row: the mapped values, trimmed, and the cells' problems. */
class RowReader {
  private readonly mapped: { index: number; field: ImportField }[];
  private readonly fieldOfColumn: (ImportField | null)[];

  constructor(private readonly columns: ImportColumn[]) {
    this.mapped = columns.flatMap((c) => (c.field ? [{ index: c.index, field: c.field }] : []));
    this.fieldOfColumn = columns.map((c) => c.field);
  }

  row(record: SourceRecord): ImportFileRow {
    const problems: ImportRowProblem[] = [];
    const values: Partial<Record<ImportField, string>> = {};
    if (record.broken) {
      problems.push({ field: 'row', code: 'import-csv-broken-quote' });
      return { rowNumber: record.line, values, raw: record.cells, problems };
    }
    const cells = record.cells;
    if (cells.length > this.columns.length && hasTextFrom(cells, this.columns.length)) {
      problems.push({
        field: 'row',
        code: 'import-row-too-many-cells',
        params: { cells: lastNonEmpty(cells), columns: this.columns.length },
      });
    }
    for (const { index, field } of this.mapped) {
      const cell = cells[index];
      if (cell === undefined) continue;
      const value = cell.trim();
      if (value === '') continue;
      if (value.length > IMPORT_MAX_CELL_CHARS) {
        problems.push({
          field,
          code: 'import-cell-too-long',
          params: { length: value.length, max: IMPORT_MAX_CELL_CHARS },
        });
        continue;
      }
      values[field] = value;
    }
    if (record.cellProblems) {
      for (const problem of record.cellProblems) {
        const field = this.fieldOfColumn[problem.column];
        if (!field) continue; // an ignored column's formula does not matter
        delete values[field];
        problems.push({
          field,
          code: problem.code,
          ...(problem.params ? { params: problem.params } : {}),
        });
      }
    }
    return { rowNumber: record.line, values, raw: cells, problems };
  }
}

function hasTextFrom(cells: string[], from: number): boolean {
  for (let i = from; i < cells.length; i++) if (cells[i].trim() !== '') return true;
  return false;
}

function lastNonEmpty(cells: string[]): number {
  for (let i = cells.length - 1; i >= 0; i--) if (cells[i].trim() !== '') return i + 1;
  return 0;
}
