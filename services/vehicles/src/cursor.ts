import type { DataSource, EntityManager } from 'typeorm';
import { isUuid } from '@kanta/contracts';
import { uniqueViolation } from '@kanta/database';
import { RpcProblem, decodeKeysetCursor, encodeKeysetCursor } from '@kanta/platform';

/** Rows per page when the query does not say. */
const DEFAULT_PAGE_SIZE = 50;

/** A time as cursors carry it: ISO 8601 in UTC, to the millisecond. */
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A time to store where a list is ordered (and paged) by it: to the millisecond, which a cursor
 * carries (a JS Date holds no more), so a page never skips or repeats a row that a partner's
 * seven-digit fraction set apart. In UTC, whatever the offset it came with.
 */
export function millisecondTime(value: string): string {
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? value : time.toISOString();
}

/** A (time, id) keyset cursor, as pages ordered by a time and then the id issue them. */
export function decodeTimeCursor(raw: string | undefined): { at: string; id: string } | null {
  if (raw === undefined) return null;
  const [at, id] = decodeKeysetCursor(
    raw,
    (parts) =>
      parts.length === 2 &&
      CURSOR_TIME.test(parts[0]) &&
      !Number.isNaN(Date.parse(parts[0])) &&
      isUuid(parts[1]),
  );
  return { at, id };
}

/** Where a list ordered by a time, then id, is read from: its range, past the cursor. */
export interface TimeWindow {
  from: Date | null;
  before: Date | null;
  /** The last row of the previous page. */
  after: { at: string; id: string } | null;
  limit: number;
}

/**
 * A page of a list ordered by a time and then the id: the range and cursor of the query checked,
 * `read` given the window (one row more than the page), the next cursor from the last row.
 */
export async function timeKeysetPage<TRow extends { id: string }, TView>(
  query: { from?: string; to?: string; cursor?: string; limit?: number },
  read: (window: TimeWindow) => Promise<TRow[]>,
  view: (row: TRow) => TView,
  timeOf: (row: TRow) => Date | string,
): Promise<{ items: TView[]; nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const rows = await read({
    ...timeRange(query),
    after: decodeTimeCursor(query.cursor),
    limit: limit + 1,
  });
  return pageOf(rows, limit, view, (row) => [new Date(timeOf(row)).toISOString(), row.id]);
}

/** A keyset page from `limit + 1` rows. */
export function pageOf<TRow, TView>(
  rows: TRow[],
  limit: number,
  view: (row: TRow) => TView,
  key: (row: TRow) => string[],
): { items: TView[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(view),
    nextCursor: rows.length > limit && last ? encodeKeysetCursor(key(last)) : null,
  };
}

/**
 * A transaction whose unique violations become the problem named for their constraint (a 409
 * naming the field); any other error passes through.
 */
export async function transactionWithConflicts<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  conflicts: Record<string, () => RpcProblem>,
): Promise<T> {
  try {
    return await dataSource.transaction(work);
  } catch (error) {
    const constraint = uniqueViolation(error);
    const conflict = constraint !== null ? conflicts[constraint] : undefined;
    throw conflict ? conflict() : error;
  }
}

/**
 * The range a list asks for: from (inclusive) and before (exclusive; `to` as a date includes
 * its day). A range that ends before it begins is a 422 on `to`, not an empty page.
 */
function timeRange(query: { from?: string; to?: string }): {
  from: Date | null;
  before: Date | null;
} {
  const from = query.from ? new Date(query.from) : null;
  const before = query.to ? endOf(query.to) : null;
  if (from && before && before <= from) {
    throw RpcProblem.validation([
      { field: 'to', reason: 'before_from', message: 'to must not be before from' },
    ]);
  }
  return { from, before };
}

/** A date without a time means the whole day. */
function endOf(value: string): Date {
  const date = new Date(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) date.setUTCDate(date.getUTCDate() + 1);
  else date.setTime(date.getTime() + 1);
  return date;
}
