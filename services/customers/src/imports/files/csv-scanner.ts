/** A cell longer than this is an error on its row (and the limit of a quoted value's lines). */
export const IMPORT_MAX_CELL_CHARS = 10_000;
/** A record (one row, possibly over several lines) longer than this stops the file. */
export const IMPORT_MAX_RECORD_CHARS = 2_500_000;

export type CsvSeparator = ',' | ';' | '\t';

/** One record of a CSV file: its cells as written (quotes removed), or a broken one's line. */
export interface CsvRecord {
  /** The 1-based line the record starts on. */
  line: number;
  cells: string[];
  /** Its quoting is broken: `cells` is its first line split at every separator. */
  broken: boolean;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** What `scan` found: a record (its end and lines in `scanEnd`/`scanLines`), or null for more. */
type Scan = CsvRecord | null;

/**
 * An RFC 4180 scanner over decoded text: fed chunks, it gives back the records they complete.
 * Unquoted cells are sliced from the text (no character is copied one by one), quoted ones are
 * found with indexOf; a record cut by the end of a chunk waits for the next one.
 *
 * A broken quote (a quoted value never closed, one followed by text other than a separator or
 * a line end, or a quoted value running over lines beyond the cell limit) makes its record
 * `broken` and the scan goes on at the line after the one the record started on: the error
 * stays on that row, the rest of the file is read.
 */
export class CsvScanner {
  private text = '';
  private line = 1;
  private readonly separator: number;
  // Where the last scanned record ends and how many lines it took: fields, not a result object
  // per record, to spare the allocation a million times.
  private scanEnd = 0;
  private scanLines = 0;

  constructor(separator: CsvSeparator) {
    this.separator = separator.charCodeAt(0);
  }

  /** Characters held back for the next chunk: an incomplete record. */
  get pending(): number {
    return this.text.length;
  }

  /** The records `chunk` completes; `final` when it is the end of the file. */
  push(chunk: string, final: boolean, into: CsvRecord[]): void {
    // A record longer than a chunk is scanned again only once a chunk brings a line end: a
    // long line costs one scan, not one per chunk.
    if (
      !final &&
      this.text.length > 0 &&
      this.text.length + chunk.length <= IMPORT_MAX_RECORD_CHARS &&
      chunk.indexOf('\n') === -1 &&
      chunk.indexOf('\r') === -1
    ) {
      this.text += chunk;
      return;
    }
    let text = this.text.length === 0 ? chunk : this.text + chunk;
    let pos = 0;
    for (;;) {
      if (pos >= text.length) {
        text = '';
        break;
      }
      const record = this.scan(text, pos, final);
      if (record === null) {
        if (text.length - pos > IMPORT_MAX_RECORD_CHARS) {
          throw new CsvRecordTooLong(this.line);
        }
        text = text.slice(pos);
        break;
      }
      if (!isBlank(record.cells)) into.push(record);
      this.line += this.scanLines;
      pos = this.scanEnd;
    }
    this.text = text;
  }

  private scan(text: string, start: number, final: boolean): Scan {
    const sep = this.separator;
    const length = text.length;
    const cells: string[] = [];
    let lines = 1;
    let i = start;
    for (;;) {
      if (i < length && text.charCodeAt(i) === QUOTE) {
        // A quoted value: pieces between doubled quotes, found with indexOf.
        let pieces: string[] | null = null;
        let from = i + 1;
        let search = from;
        let close: number;
        for (;;) {
          const q = text.indexOf('"', search);
          if (q === -1 || (q === length - 1 && !final)) {
            if (!final && !this.runaway(text, start, i)) return null;
            return this.broken(text, start, final);
          }
          if (q + 1 < length && text.charCodeAt(q + 1) === QUOTE) {
            (pieces ??= []).push(text.slice(from, q + 1));
            from = search = q + 2;
            continue;
          }
          close = q;
          break;
        }
        let value = text.slice(from, close);
        if (pieces !== null) value = pieces.join('') + value;
        const inner = countLineFeeds(text, i + 1, close);
        if (inner > 0 && close - i > IMPORT_MAX_CELL_CHARS) return this.broken(text, start, final);
        lines += inner;
        cells.push(value);
        i = close + 1;
        if (i >= length) {
          if (!final) return null;
          return this.found(cells, false, i, lines);
        }
        let c = text.charCodeAt(i);
        // Spaces between a closing quote and the separator are tolerated (and dropped).
        while ((c === 32 || (c === 9 && sep !== 9)) && i + 1 < length) c = text.charCodeAt(++i);
        if ((c === 32 || (c === 9 && sep !== 9)) && i + 1 >= length) {
          // Spaces up to the end of the text: what follows them decides.
          if (!final) return null;
          return this.found(cells, false, length, lines);
        }
        if (c === sep) {
          i++;
          continue;
        }
        if (c !== LF && c !== CR) return this.broken(text, start, final);
      } else {
        let k = i;
        let c = 0;
        while (k < length) {
          c = text.charCodeAt(k);
          if (c === sep || c === LF || c === CR) break;
          k++;
        }
        if (k >= length && !final) return null;
        cells.push(text.slice(i, k));
        i = k;
        if (k >= length) {
          return this.found(cells, false, i, lines);
        }
        if (c === sep) {
          i++;
          continue;
        }
      }
      // A line end: \n, \r\n or a lone \r.
      if (text.charCodeAt(i) === CR) {
        if (i + 1 >= length && !final) return null;
        if (i + 1 < length && text.charCodeAt(i + 1) === LF) i++;
      }
      return this.found(cells, false, i + 1, lines);
    }
  }

  private found(cells: string[], broken: boolean, end: number, lines: number): CsvRecord {
    this.scanEnd = end;
    this.scanLines = lines;
    return { line: this.line, cells, broken };
  }

  /** An open quoted value that has run over a line end and past the cell limit is broken. */
  private runaway(text: string, start: number, quote: number): boolean {
    return text.length - quote > IMPORT_MAX_CELL_CHARS && text.indexOf('\n', start) !== -1;
  }

  /** The record at `start` is broken: it is its first line, the scan resumes after it. */
  private broken(text: string, start: number, final: boolean): Scan {
    let end = text.indexOf('\n', start);
    if (end === -1) {
      if (!final) return null;
      end = text.length;
    }
    const lineText = text.slice(
      start,
      end > start && text.charCodeAt(end - 1) === CR ? end - 1 : end,
    );
    return this.found(lineText.split(String.fromCharCode(this.separator)), true, end + 1, 1);
  }
}

export class CsvRecordTooLong extends Error {
  constructor(readonly line: number) {
    super(`the record on line ${line} is longer than ${IMPORT_MAX_RECORD_CHARS} characters`);
  }
}

function countLineFeeds(text: string, from: number, to: number): number {
  let n = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) {
    n++;
  }
  return n;
}

function isBlank(cells: string[]): boolean {
  for (const cell of cells) if (cell.trim() !== '') return false;
  return true;
}

/**
 * The cells of one line, for choosing the separator: quoted values kept whole, the line cut at
 * its first line end outside quotes.
 */
export function splitHeaderLine(text: string, separator: CsvSeparator): string[] {
  const scanner = new CsvScanner(separator);
  const end = firstLineEnd(text);
  const records: CsvRecord[] = [];
  scanner.push(text.slice(0, end), true, records);
  return records[0]?.cells ?? [];
}

function firstLineEnd(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted && (c === LF || c === CR)) return i;
  }
  return text.length;
}
