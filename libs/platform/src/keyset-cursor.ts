import { isUuid } from '@kanta/contracts';
import { RpcProblem } from './rpc-problem';

/** Longer than any key a list pages by (ids, times, scores, plates): such a cursor was not ours. */
const MAX_PART_LENGTH = 200;

/**
 * A keyset (the sort values of the last row of a page) as the opaque cursor every list hands
 * out: base64url of a JSON array of strings.
 */
export function encodeKeysetCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/**
 * The keyset of a cursor this API issued, which `valid` checks part by part; anything else is
 * the 422 on `cursor` (never a database error, never a silently wrong page).
 */
export function decodeKeysetCursor(raw: string, valid: (parts: string[]) => boolean): string[] {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.every((part) => typeof part === 'string' && part.length <= MAX_PART_LENGTH) &&
      valid(value as string[])
    ) {
      return value as string[];
    }
  } catch {
    // falls through to the problem below
  }
  throw invalidCursor();
}

export function invalidCursor(): RpcProblem {
  return RpcProblem.validation([
    { field: 'cursor', reason: 'invalid_format', message: 'cursor is not one this API issued' },
  ]);
}

/**
 * Where a list newest first by UUIDv7 id continues: the id its cursor names (a cursor of one
 * id, else the 422 on `cursor`), or null for the first page.
 */
export function idBeforeCursor(cursor: string | undefined): string | null {
  return cursor
    ? decodeKeysetCursor(cursor, (parts) => parts.length === 1 && isUuid(parts[0]))[0]
    : null;
}

/**
 * A page of a list by id from the rows read with one more than `limit`: the first `limit`, and
 * the cursor after the last of them when there were more.
 */
export function pageById<T extends { id: string }>(
  rows: T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return {
    items,
    nextCursor: rows.length > limit ? encodeKeysetCursor([items[items.length - 1].id]) : null,
  };
}
