import type { ImportMessageParams, ImportRowProblemCode } from './messages';
import { ZipDirectory, ZipUnreadable, type ZipEntry } from './xlsx-zip';
import { attribute, element, endsName, hasDoctype, isSpace, textRuns, xmlText } from './xlsx-xml';

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
 * shared strings are inflated and kept first (the sheet refers to them by index),
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
    const shared = new SharedStrings();
    if (parts.sharedStrings) {
      const strings = new ElementStream('si', maxInflated);
      const add = shared.add.bind(shared);
      for await (const text of entryText(zip, parts.sharedStrings, maxInflated, options)) {
        strings.push(text, add);
      }
    }
    const rows = new ElementStream('row', options.maxRowChars ?? XLSX_MAX_ROW_CHARS);
    const cells = new CellReader(shared, dateStyles, parts.date1904);
    let records: SheetRecord[] = [];
    let line = 0;
    for await (const text of entryText(zip, parts.sheet, maxInflated, options)) {
      rows.push(text, (xml, tag, start, end) => {
        const r = attribute(xml.slice(tag, start), 'r');
        line = Number(r) || line + 1;
        const record = cells.record(line, xml.slice(start, end));
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
  // The prolog, until the root element starts: a DOCTYPE can only be there.
  let prolog: string | null = '';
  const checked = (text: string): string => {
    if (prolog !== null) {
      prolog += text;
      if (hasDoctype(prolog)) throw new ZipUnreadable(`${entry.name}: DOCTYPE`);
      if (/<[A-Za-z]/.test(prolog) || prolog.length > 1024 * 1024) prolog = null;
    }
    return text;
  };
  const pieces = function* (text: string): Generator<string> {
    const size = options.chunkChars;
    if (size === undefined) yield checked(text);
    else for (let i = 0; i < text.length; i += size) yield checked(text.slice(i, i + size));
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
  /** The start of an element cut by a piece's end, and the pieces after it, not yet joined. */
  private pending: string[] = [];
  private pendingChars = 0;
  /** The pending text starts with an element's whole start tag: only its closing tag ends it. */
  private awaitingClose = false;
  /** The last characters of the pending text: a closing tag may be cut across two pieces. */
  private tail = '';
  /** Where in the joined pending text the search for the closing tag resumes. */
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

  /**
   * Calls `onElement(text, tag, start, end)` for each complete element: its start tag begins at
   * `tag`, its content is text[start, end) (empty for `<name/>`).
   */
  push(
    piece: string,
    onElement: (text: string, tag: number, start: number, end: number) => void,
  ): void {
    let text = piece;
    let closeFrom = 0;
    if (this.pendingChars > 0) {
      // A long element grows piece by piece: joined once its closing tag has come, not at
      // every piece (that would copy it over and over).
      const probe = this.tail + piece;
      if (this.awaitingClose && probe.indexOf(this.close) < 0) {
        this.hold(piece, probe);
        return;
      }
      this.pending.push(piece);
      text = this.pending.join('');
      closeFrom = this.closeFrom;
      this.pending = [];
      this.pendingChars = 0;
      this.tail = '';
    }
    let pos = 0;
    for (;;) {
      const lt = text.indexOf(this.open, pos);
      if (lt < 0) {
        // Keep what could be the start of a tag cut by the piece's end.
        return this.wait(text.slice(Math.max(pos, text.length - this.open.length)), 0);
      }
      const after = lt + this.open.length;
      if (after >= text.length) return this.wait(text.slice(lt), 0);
      if (!endsName(text.charCodeAt(after))) {
        pos = after;
        continue;
      }
      const gt = text.indexOf('>', after);
      if (gt < 0) return this.wait(text.slice(lt), 0);
      if (text.charCodeAt(gt - 1) === 47) {
        onElement(text, lt, gt + 1, gt + 1);
        pos = gt + 1;
        continue;
      }
      const close = text.indexOf(this.close, Math.max(gt, lt + closeFrom));
      closeFrom = 0;
      if (close < 0) return this.wait(text.slice(lt), gt - lt);
      if (close - lt > this.maxChars) {
        throw new XlsxRowTooLong(
          Number(attribute(text.slice(lt, gt + 1), 'r') ?? 0),
          this.maxChars,
        );
      }
      onElement(text, lt, gt + 1, close);
      pos = close + this.close.length;
    }
  }

  /** Keeps `rest` (where the next element may start) for the next piece. */
  private wait(rest: string, gt: number): void {
    if (rest === '') return;
    this.pending = [rest];
    this.pendingChars = rest.length;
    this.awaitingClose = gt > 0;
    this.tail = rest.slice(-(this.close.length - 1));
    this.closeFrom = Math.max(0, rest.length - this.close.length);
    this.check(gt > 0 ? rest.slice(0, gt + 1) : rest.slice(0, 200));
  }

  private hold(piece: string, probe: string): void {
    this.pending.push(piece);
    this.pendingChars += piece.length;
    this.tail = probe.slice(-(this.close.length - 1));
    this.closeFrom = Math.max(0, this.pendingChars - this.close.length);
    this.check(this.pending[0].slice(0, 200));
  }

  private check(start: string): void {
    if (this.pendingChars > this.maxChars) {
      const gt = start.indexOf('>');
      const tag = gt > 0 ? start.slice(0, gt + 1) : '';
      throw new XlsxRowTooLong(Number(attribute(tag, 'r') ?? 0), this.maxChars);
    }
  }
}

/**
 * The shared strings table, by index. A plain one (`<si><t>text</t></si>` with nothing to
 * decode, nearly all of them) is kept as where it is in the XML text it came in, not as a string
 * of its own: the text pieces are kept anyway by any string sliced from them, and the table then
 * costs 12 bytes a string instead of an object each (a hundred thousand rows have hundreds of
 * thousands of them). Other strings (rich text, entities) are decoded and kept as strings.
 */
class SharedStrings {
  private readonly pieces: string[] = [];
  private piece = new Int32Array(1024);
  private starts = new Int32Array(1024);
  private ends = new Int32Array(1024);
  private readonly decoded = new Map<number, string>();
  private count = 0;

  get(index: number): string {
    if (index < 0 || index >= this.count) return '';
    const piece = this.piece[index];
    if (piece < 0) return this.decoded.get(index) ?? '';
    return this.pieces[piece].slice(this.starts[index], this.ends[index]);
  }

  add(xml: string, _tag: number, start: number, end: number): void {
    const index = this.count++;
    if (index === this.piece.length) this.grow();
    const range = plainTextRange(xml, start, end);
    if (range === null) {
      this.piece[index] = -1;
      this.decoded.set(index, start === end ? '' : textRuns(xml.slice(start, end)));
      return;
    }
    if (this.pieces.at(-1) !== xml) this.pieces.push(xml);
    this.piece[index] = this.pieces.length - 1;
    this.starts[index] = range;
    this.ends[index] = end - 4;
  }

  private grow(): void {
    const grown = (from: Int32Array): Int32Array<ArrayBuffer> => {
      const to = new Int32Array(from.length * 2);
      to.set(from);
      return to;
    };
    this.piece = grown(this.piece);
    this.starts = grown(this.starts);
    this.ends = grown(this.ends);
  }
}

/**
 * Where the text of `<t>text</t>` (or `<t xml:space="preserve">`) starts when that is all of
 * xml[start, end) and the text has nothing to decode (no entity, no CR); else null.
 */
function plainTextRange(xml: string, start: number, end: number): number | null {
  if (xml.charCodeAt(start) !== 60 || xml.charCodeAt(start + 1) !== 116) return null;
  if (!endsName(xml.charCodeAt(start + 2))) return null;
  const gt = xml.indexOf('>', start + 2);
  const close = end - 4;
  if (gt < 0 || gt >= close || xml.charCodeAt(gt - 1) === 47) return null;
  if (!xml.startsWith('</t>', close)) return null;
  for (let i = gt + 1; i < close; i++) {
    const code = xml.charCodeAt(i);
    // '<' (markup, CDATA), '&' (an entity), CR (a line end to normalise)
    if (code === 60 || code === 38 || code === 13) return null;
  }
  return gt + 1;
}

interface CellTextProblem {
  code: ImportRowProblemCode;
  params?: ImportMessageParams;
}

/** Turns a `<row>`'s cells into a record of text. */
class CellReader {
  constructor(
    private readonly shared: SharedStrings,
    private readonly dateStyles: boolean[],
    private readonly date1904: boolean,
  ) {}

  /**
   * The row's cells, read by position in its XML: this runs for every cell of the file, so the
   * common ones (a shared string, a number) are read without slicing their tags.
   */
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
      this.readAttributes(xml, lt + 2, gt);
      column = this.ref >= 0 ? this.ref : column + 1;
      if (xml.charCodeAt(gt - 1) === 47) {
        pos = gt + 1;
        continue;
      }
      const close = xml.indexOf('</c>', gt);
      if (close < 0) break;
      pos = close + 4;
      const text = this.cellText(xml, gt + 1, close);
      // An empty string is no value, as exceljs read it: trailing ones do not lengthen the row.
      if (text === null || (text === '' && this.problem === null)) continue;
      while (cells.length < column) cells.push('');
      cells[column] = text;
      if (blank && text.length > 0 && (text.charCodeAt(0) > 32 || text.trim() !== '')) {
        blank = false;
      }
      if (this.problem) (cellProblems ??= []).push({ column, ...this.problem });
    }
    if (blank && cellProblems === null) return null;
    return { line, cells, cellProblems };
  }

  /** The cell's column (`r`), type (`t`) and style (`s`) from its start tag xml[from, to). */
  private ref = -1;
  /** What was wrong with the cell cellText last read, if anything. */
  private problem: CellTextProblem | null = null;
  private type = CellType.Number;
  private style = -1;

  private readAttributes(xml: string, from: number, to: number): void {
    this.ref = -1;
    this.type = CellType.Number;
    this.style = -1;
    let i = from;
    for (;;) {
      const eq = xml.indexOf('=', i);
      if (eq < 0 || eq > to) return;
      let nameEnd = eq;
      while (isSpace(xml.charCodeAt(nameEnd - 1))) nameEnd--;
      let q = eq + 1;
      while (isSpace(xml.charCodeAt(q))) q++;
      const quote = xml.charCodeAt(q);
      if (quote !== 34 && quote !== 39) return;
      const end = xml.indexOf(quote === 34 ? '"' : "'", q + 1);
      if (end < 0 || end > to) return;
      // One-letter names only: r, t, s (a prefixed x:r is not a cell's attribute).
      if (isSpace(xml.charCodeAt(nameEnd - 2))) {
        const name = xml.charCodeAt(nameEnd - 1);
        if (name === 114) this.ref = columnAt(xml, q + 1, end);
        else if (name === 116) this.type = typeAt(xml, q + 1, end);
        else if (name === 115) this.style = integerAt(xml, q + 1, end);
      }
      i = end + 1;
    }
  }

  /**
   * A cell's value as the text an import reads: text as typed, rich text as its plain text,
   * numbers without float noise, dates as YYYY-MM-DD, a formula as its cached result (never
   * evaluated), an error value (#N/A) or a formula never calculated as a problem on the cell.
   * Null for a cell with no value (only a style). The cell's content is xml[from, to).
   */
  private cellText(xml: string, from: number, to: number): string | null {
    this.problem = null;
    const type = this.type;
    if (type === CellType.Inline) {
      const inline = element(xml.slice(from, to), 'is');
      if (inline !== null) return textRuns(inline.content);
    }
    // <v>, found by position (its content can hold no '<').
    let v = xml.indexOf('<v', from);
    let start = -1;
    let end = -1;
    while (v >= 0 && v < to) {
      if (endsName(xml.charCodeAt(v + 2))) {
        const gt = xml.indexOf('>', v);
        if (xml.charCodeAt(gt - 1) === 47) start = end = gt;
        else {
          start = gt + 1;
          end = xml.indexOf('</v>', gt);
        }
        break;
      }
      v = xml.indexOf('<v', v + 2);
    }
    // An empty <v></v> is no value (a formula's result never calculated), as exceljs read it.
    if (start < 0 || end <= start || end > to) {
      const formula = element(xml.slice(from, to), 'f');
      if (formula === null) return null;
      this.problem = { code: 'import-formula-no-result' };
      return `=${xmlText(formula.content)}`;
    }
    switch (type) {
      case CellType.Shared:
        return this.shared.get(integerAt(xml, start, end));
      case CellType.Text:
      case CellType.Inline:
        return xmlText(xml.slice(start, end));
      case CellType.Boolean:
        return xml.slice(start, end).trim() === '0' ? 'false' : 'true';
      case CellType.Error: {
        const error = xmlText(xml.slice(start, end));
        this.problem = { code: 'import-cell-error', params: { error } };
        return error;
      }
      case CellType.Date:
        return isoDateText(xml.slice(start, end));
      case CellType.Number: {
        const raw = xml.slice(start, end);
        const n = parseFloat(raw);
        if (Number.isNaN(n)) return xmlText(raw);
        if (this.style >= 0 && this.dateStyles[this.style]) {
          return serialDateText(n, this.date1904);
        }
        return numberText(n);
      }
    }
  }
}

const enum CellType {
  Number,
  Shared,
  Text,
  Inline,
  Boolean,
  Error,
  Date,
}

/** `t`: s, str, inlineStr, b, e, d, n (or anything else: a number). */
function typeAt(xml: string, from: number, to: number): CellType {
  const first = xml.charCodeAt(from);
  const length = to - from;
  if (first === 115) return length === 1 ? CellType.Shared : CellType.Text; // s, str
  if (first === 105) return CellType.Inline; // inlineStr
  if (length !== 1) return CellType.Number;
  if (first === 98) return CellType.Boolean;
  if (first === 101) return CellType.Error;
  if (first === 100) return CellType.Date;
  return CellType.Number;
}

/** Digits at xml[from, to) as a number; -1 when there are none. */
function integerAt(xml: string, from: number, to: number): number {
  let n = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const code = xml.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      n = n * 10 + (code - 48);
      digits++;
    } else if (!isSpace(code)) return -1;
  }
  return digits > 0 ? n : -1;
}

/** `B12` at xml[from, to) → 1 (0-based column); -1 when there are no letters. */
function columnAt(xml: string, from: number, to: number): number {
  let column = 0;
  for (let i = from; i < to; i++) {
    const code = xml.charCodeAt(i) & ~32; // upper case
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
 * without `h`, `s` or an elapsed `[h]` (then `m` is minutes: a time).
 */
export function isDateFormat(code: string): boolean {
  const unquoted = code.replace(/"[^"]*"/g, '');
  // [h], [mm], [ss]: elapsed time, a duration.
  const elapsed = /\[(h+|m+|s+)\]/i.test(unquoted);
  const format = unquoted
    .replace(/\[[^\]]*\]/g, '')
    .replace(/[\\_*]./g, '')
    .toLowerCase();
  if (/[dy]/.test(format)) return true;
  return !elapsed && format.includes('m') && !/[hs]/.test(format);
}
