import type { ImportMessageParams, ImportRowProblemCode } from './messages';
import { ZipDirectory, ZipUnreadable, type ZipEntry } from './xlsx-zip';
import { attribute, element, endsName, hasDoctype, textRuns, xmlText } from './xlsx-xml';

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

/** A row whose XML is longer than any row of at most 200 cells of 10,000 characters can be. */
export class XlsxRowTooLong extends Error {
  constructor(
    readonly line: number,
    readonly max: number,
  ) {
    super(`row ${line} is over ${max} characters`);
  }
}

export interface XlsxReadOptions {
  /**
   * The most bytes the sheet or its shared strings may inflate to: more is a ZIP bomb (or a
   * directory that lies), refused as unreadable as soon as it is seen.
   */
  maxInflatedBytes?: number;
  /** The most characters of XML one row may take. */
  maxRowChars?: number;
  /** Tests: cut the inflated text into pieces of this many characters. */
  chunkChars?: number;
}

/**
 * 20 times the largest upload (IMPORT_MAX_BYTES, 256 MiB by default): a sheet of a million
 * rows inflates to a few hundred MB; a ZIP bomb to as much as its maker likes.
 */
export const XLSX_MAX_INFLATED_BYTES = 20 * 256 * 1024 * 1024;
/** The small parts (workbook, relationships) are a few KB; styles up to a few MB. */
const MAX_PART_BYTES = 64 * 1024 * 1024;
/**
 * The XML of one row: 200 cells of 10,000 characters, with room for their markup and entities
 * (`&amp;` is five characters of one).
 */
export const XLSX_MAX_ROW_CHARS = 6 * 200 * 10_000;
/** Rows come in arrays of a few hundred to spare an await per row. */
const RECORDS_PER_YIELD = 512;

/**
 * The rows of the first worksheet of an XLSX file (the first `<sheet>` of xl/workbook.xml),
 * read with our own small ZIP and XML reading: the central directory names the parts; the
 * shared strings are inflated and kept in an array first (the sheet refers to them by index),
 * the styles read for their date formats, then the sheet is inflated and scanned as a stream.
 * A file that is not a readable workbook throws `ZipUnreadable`; a row too long
 * `XlsxRowTooLong`.
 */
export async function* xlsxRecords(
  path: string,
  options: XlsxReadOptions = {},
): AsyncGenerator<SheetRecord[]> {
  const maxInflated = options.maxInflatedBytes ?? XLSX_MAX_INFLATED_BYTES;
  const zip = await ZipDirectory.open(path);
  try {
    const parts = await workbookParts(zip);
    const dateStyles = parts.styles ? dateStylesOf(await partText(zip, parts.styles)) : [];
    const shared: string[] = [];
    if (parts.sharedStrings) {
      const strings = new ElementStream('si', maxInflated);
      for await (const text of entryText(zip, parts.sharedStrings, maxInflated, options)) {
        strings.push(text, (_tag, content) => {
          shared.push(content === '' ? '' : textRuns(content));
        });
      }
    }
    const rows = new ElementStream('row', options.maxRowChars ?? XLSX_MAX_ROW_CHARS);
    const cells = new CellReader(shared, dateStyles, parts.date1904);
    let records: SheetRecord[] = [];
    let line = 0;
    for await (const text of entryText(zip, parts.sheet, maxInflated, options)) {
      rows.push(text, (tag, content) => {
        const r = attribute(tag, 'r');
        line = Number(r) || line + 1;
        const record = cells.record(line, content);
        if (record !== null) records.push(record);
      });
      if (records.length >= RECORDS_PER_YIELD) {
        yield records;
        records = [];
      }
    }
    if (records.length > 0) yield records;
  } finally {
    await zip.close();
  }
}

interface WorkbookParts {
  sheet: ZipEntry;
  sharedStrings: ZipEntry | null;
  styles: ZipEntry | null;
  date1904: boolean;
}

/** The first sheet of xl/workbook.xml, through xl/_rels/workbook.xml.rels, and its companions. */
async function workbookParts(zip: ZipDirectory): Promise<WorkbookParts> {
  const entry = (name: string): ZipEntry | null => zip.entries.get(name) ?? null;
  const workbookEntry = entry('xl/workbook.xml');
  const relsEntry = entry('xl/_rels/workbook.xml.rels');
  if (workbookEntry === null || relsEntry === null) throw new ZipUnreadable('not a workbook');
  const workbook = await partText(zip, workbookEntry);
  const sheet = element(workbook, 'sheet');
  const id = sheet && attribute(sheet.tag, 'id', true);
  if (!id) throw new ZipUnreadable('a workbook without sheets');
  const pr = element(workbook, 'workbookPr');
  const date1904 = pr !== null && /^(1|true)$/.test(attribute(pr.tag, 'date1904') ?? '');

  const rels = await partText(zip, relsEntry);
  let sheetTarget: string | null = null;
  let sharedStrings: string | null = null;
  let styles: string | null = null;
  for (
    let r = element(rels, 'Relationship');
    r !== null;
    r = element(rels, 'Relationship', r.after)
  ) {
    const target = attribute(r.tag, 'Target');
    if (target === null) continue;
    const type = attribute(r.tag, 'Type') ?? '';
    if (attribute(r.tag, 'Id') === id) sheetTarget = target;
    else if (type.endsWith('/sharedStrings')) sharedStrings = target;
    else if (type.endsWith('/styles')) styles = target;
  }
  const sheetEntry = sheetTarget === null ? null : entry(partName(sheetTarget));
  if (sheetEntry === null) throw new ZipUnreadable('the first sheet is missing');
  return {
    sheet: sheetEntry,
    sharedStrings: entry(partName(sharedStrings ?? 'sharedStrings.xml')),
    styles: entry(partName(styles ?? 'styles.xml')),
    date1904,
  };
}

/** A relationship's target as a ZIP entry name: relative to xl/, or absolute from the root. */
function partName(target: string): string {
  const decoded = xmlText(target);
  const path = decoded.startsWith('/') ? decoded.slice(1) : `xl/${decoded}`;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

async function* entryText(
  zip: ZipDirectory,
  entry: ZipEntry,
  maxBytes: number,
  options: XlsxReadOptions,
): AsyncGenerator<string> {
  // The XML declaration names UTF-8 in every workbook Excel, LibreOffice or a library writes.
  const decoder = new TextDecoder('utf-8');
  let first = true;
  const pieces = function* (text: string): Generator<string> {
    if (first) {
      first = false;
      if (hasDoctype(text.slice(0, 4096))) throw new ZipUnreadable(`${entry.name}: DOCTYPE`);
    }
    const size = options.chunkChars;
    if (size === undefined) yield text;
    else for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
  };
  for await (const bytes of zip.bytes(entry, maxBytes)) {
    yield* pieces(decoder.decode(bytes, { stream: true }));
  }
  yield* pieces(decoder.decode());
}

async function partText(zip: ZipDirectory, entry: ZipEntry): Promise<string> {
  let text = '';
  for await (const piece of entryText(zip, entry, MAX_PART_BYTES, {})) text += piece;
  return text;
}

/**
 * Complete elements `name` (a `<row>`, an `<si>`) out of XML arriving in pieces: an element cut
 * by a piece's end waits for the next piece. Everything between them is skipped.
 */
class ElementStream {
  private carry = '';
  /** Where in `carry` the search for the closing tag resumes. */
  private closeFrom = 0;
  private readonly open: string;
  private readonly close: string;

  constructor(
    name: string,
    private readonly maxChars: number,
  ) {
    this.open = `<${name}`;
    this.close = `</${name}>`;
  }

  push(piece: string, onElement: (tag: string, content: string) => void): void {
    const text = this.carry === '' ? piece : this.carry + piece;
    let closeFrom = this.closeFrom;
    this.carry = '';
    this.closeFrom = 0;
    let pos = 0;
    for (;;) {
      const lt = text.indexOf(this.open, pos);
      if (lt < 0) {
        // Keep what could be the start of a tag cut by the piece's end.
        this.carry = text.slice(Math.max(pos, text.length - this.open.length));
        return;
      }
      const after = lt + this.open.length;
      if (after >= text.length) {
        this.carry = text.slice(lt);
        return;
      }
      if (!endsName(text.charCodeAt(after))) {
        pos = after;
        continue;
      }
      const gt = text.indexOf('>', after);
      if (gt < 0) return this.wait(text, lt, 0);
      if (text.charCodeAt(gt - 1) === 47) {
        onElement(text.slice(lt, gt + 1), '');
        pos = gt + 1;
        continue;
      }
      const close = text.indexOf(this.close, Math.max(gt, lt + closeFrom));
      closeFrom = 0;
      if (close < 0) return this.wait(text, lt, gt);
      onElement(text.slice(lt, gt + 1), text.slice(gt + 1, close));
      pos = close + this.close.length;
    }
  }

  private wait(text: string, lt: number, gt: number): void {
    this.carry = text.slice(lt);
    if (this.carry.length > this.maxChars) {
      const tag = gt > 0 ? text.slice(lt, gt + 1) : '';
      throw new XlsxRowTooLong(Number(attribute(tag, 'r') ?? 0), this.maxChars);
    }
    // The closing tag may be cut too: search again from a few characters before the end.
    this.closeFrom = Math.max(0, this.carry.length - this.close.length);
  }
}

interface CellText {
  text: string;
  problem?: { code: ImportRowProblemCode; params?: ImportMessageParams };
}

/** Turns a `<row>`'s cells into a record of text. */
class CellReader {
  constructor(
    private readonly shared: string[],
    private readonly dateStyles: boolean[],
    private readonly date1904: boolean,
  ) {}

  record(line: number, xml: string): SheetRecord | null {
    const cells: string[] = [];
    let cellProblems: CellProblem[] | null = null;
    let blank = true;
    let column = -1;
    let pos = 0;
    for (;;) {
      const lt = xml.indexOf('<c', pos);
      if (lt < 0) break;
      if (!endsName(xml.charCodeAt(lt + 2))) {
        pos = lt + 2;
        continue;
      }
      const gt = xml.indexOf('>', lt);
      if (gt < 0) break;
      const tag = xml.slice(lt, gt + 1);
      const r = attribute(tag, 'r');
      column = r === null ? column + 1 : columnOf(r);
      if (xml.charCodeAt(gt - 1) === 47) {
        pos = gt + 1;
        continue;
      }
      const close = xml.indexOf('</c>', gt);
      if (close < 0) break;
      pos = close + 4;
      const value = this.cellText(tag, xml.slice(gt + 1, close));
      if (value === null || column < 0) continue;
      while (cells.length < column) cells.push('');
      cells[column] = value.text;
      if (blank && value.text.trim() !== '') blank = false;
      if (value.problem) (cellProblems ??= []).push({ column, ...value.problem });
    }
    if (blank && cellProblems === null) return null;
    return { line, cells, cellProblems };
  }

  /**
   * A cell's value as the text an import reads: text as typed, rich text as its plain text,
   * numbers without float noise, dates as YYYY-MM-DD, a formula as its cached result (never
   * evaluated), an error value (#N/A) or a formula never calculated as a problem on the cell.
   * Null for a cell with no value (only a style).
   */
  private cellText(tag: string, xml: string): CellText | null {
    const type = attribute(tag, 't');
    if (type === 'inlineStr') {
      const inline = element(xml, 'is');
      if (inline !== null) return { text: textRuns(inline.content) };
    }
    const v = element(xml, 'v');
    if (v === null) {
      const formula = element(xml, 'f');
      if (formula === null) return null;
      return {
        text: `=${xmlText(formula.content)}`,
        problem: { code: 'import-formula-no-result' },
      };
    }
    const raw = v.content;
    switch (type) {
      case 's':
        return { text: this.shared[Number(raw)] ?? '' };
      case 'str':
      case 'inlineStr':
        return { text: xmlText(raw) };
      case 'b':
        return { text: raw.trim() === '0' ? 'false' : 'true' };
      case 'e': {
        const error = xmlText(raw);
        return { text: error, problem: { code: 'import-cell-error', params: { error } } };
      }
      case 'd':
        return { text: isoDateText(raw) };
      default: {
        const n = parseFloat(raw);
        if (Number.isNaN(n)) return { text: xmlText(raw) };
        const style = attribute(tag, 's');
        if (style !== null && this.dateStyles[Number(style)]) {
          return { text: serialDateText(n, this.date1904) };
        }
        return { text: numberText(n) };
      }
    }
  }
}

/** `B12` → 1 (0-based column); -1 when there are no letters. */
function columnOf(ref: string): number {
  let column = 0;
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i) & ~32; // upper case
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
  }
  return column - 1;
}

/** 15 significant digits, as Excel shows them: 0.1 + 0.2 is "0.3". */
function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toString();
  return Number(n.toPrecision(15)).toString();
}

/**
 * A date serial as YYYY-MM-DD: days since 1899-12-30 (1904-01-01 in a 1904 workbook), Excel's
 * fictional 1900-02-29 folded as everyone does; the time of day is dropped, the import reads
 * dates.
 */
function serialDateText(serial: number, date1904: boolean): string {
  const days = date1904 ? serial + 1462 : serial;
  const date = new Date(Math.round((days - 25569) * 86_400_000));
  if (Number.isNaN(date.getTime())) return '';
  return date.toISOString().slice(0, 10);
}

/** A `t="d"` cell holds an ISO 8601 date (and maybe time). */
function isoDateText(raw: string): string {
  const match = /^\s*(\d{4}-\d{2}-\d{2})/.exec(raw);
  return match ? match[1] : xmlText(raw);
}

/** Built-in number formats that are dates (or times), by id. */
const BUILT_IN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);

/** For each cell style (`<cellXfs>` index, a cell's `s`): is a number in it a date? */
function dateStylesOf(styles: string): boolean[] {
  const custom = new Map<number, boolean>();
  const numFmts = element(styles, 'numFmts');
  if (numFmts !== null) {
    const xml = numFmts.content;
    for (let f = element(xml, 'numFmt'); f !== null; f = element(xml, 'numFmt', f.after)) {
      const id = Number(attribute(f.tag, 'numFmtId'));
      custom.set(id, isDateFormat(xmlText(attribute(f.tag, 'formatCode') ?? '')));
    }
  }
  const result: boolean[] = [];
  const xfs = element(styles, 'cellXfs');
  if (xfs === null) return result;
  const xml = xfs.content;
  for (let xf = element(xml, 'xf'); xf !== null; xf = element(xml, 'xf', xf.after)) {
    const id = Number(attribute(xf.tag, 'numFmtId') ?? 0);
    result.push(custom.get(id) ?? BUILT_IN_DATE_FORMATS.has(id));
  }
  return result;
}

/**
 * A custom number format is a date when, outside quoted text, bracketed parts (`[$-409]`,
 * colours, conditions) and escaped characters, it has a day, month or year: `d` or `y`, or `m`
 * without `h` or `s` (then `m` is minutes: a time).
 */
export function isDateFormat(code: string): boolean {
  const format = code
    .replace(/"[^"]*"/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/[\\_*]./g, '')
    .toLowerCase();
  if (/[dy]/.test(format)) return true;
  return format.includes('m') && !/[hs]/.test(format);
}
