import type { CallerContext, ReportablePage, ReportablePageQuery } from '@kanta/contracts';
import { requireTenant } from './caller-access';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';
import { RpcProblem } from './rpc-problem';

/** Every rebuild keyset starts with an id. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Rows per rebuild page when the caller names none. */
export const REPORTABLE_PAGE_DEFAULT = 500;

/**
 * One keyset page of an owner's reportable rows for the reporting rebuild
 * (services/reporting/README.md, "Rebuild"): the caller's tenant only, for an admin (the
 * reporting service asks as REPORTING_SYSTEM_USER_ID, role admin, in the tenant it rebuilds).
 * `read` returns up to `limit + 1` rows after the keyset `after` (null: from the start), in
 * keyset order, each with its keyset of `keyParts` parts; the cursor is the last row's keyset.
 */
export async function reportablePage<T>(
  context: CallerContext,
  query: ReportablePageQuery,
  keyParts: number,
  read: (
    tenantId: string,
    after: string[] | null,
    limit: number,
  ) => Promise<{ item: T; key: string[] }[]>,
): Promise<ReportablePage<T>> {
  const tenant = requireTenant(context);
  if (context.role === 'worker') {
    throw RpcProblem.forbidden('The reporting rebuild pages are for the reporting service.');
  }
  const limit = query.limit ?? REPORTABLE_PAGE_DEFAULT;
  const after = query.cursor
    ? decodeKeysetCursor(query.cursor, (parts) => parts.length === keyParts && UUID.test(parts[0]))
    : null;
  const rows = await read(tenant.id, after, limit);
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => r.item),
    nextCursor: rows.length > limit ? encodeKeysetCursor(page[page.length - 1].key) : null,
  };
}
