/** A keyset page: one row more than asked tells whether another page follows. */
export function pageOf<TRow extends { id: string }, TView>(
  rows: TRow[],
  limit: number,
  view: (row: TRow) => TView,
): { items: TView[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return {
    items: items.map(view),
    nextCursor: rows.length > limit ? items[items.length - 1].id : null,
  };
}

export const DEFAULT_PAGE_SIZE = 100;
