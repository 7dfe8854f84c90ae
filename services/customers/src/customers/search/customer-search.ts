import { Injectable } from '@nestjs/common';
import type {
  CallerContext,
  CustomerPage,
  CustomerSearchCriteriaDto,
  ExternalIdDto,
  SearchCustomersQueryDto,
} from '@kanta/contracts';
import { requireTenant, visibleStations } from '@kanta/platform';
import { toCustomerView } from '../customer-view';
import { CustomersRepository, type CustomerMatchCriteria } from '../customers.repository';
import { containsPattern, decodeCursor, encodeCursor, tokeniseSearch } from '../search-query';

const DEFAULT_PAGE_SIZE = 25;

/** The customer list: words, filters and pages, within the stations the caller may see. */
@Injectable()
export class CustomerSearch {
  constructor(private readonly repository: CustomersRepository) {}

  async search(context: CallerContext, query: SearchCustomersQueryDto): Promise<CustomerPage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const criteria = matchCriteria(context, query);
    if (!criteria) return { items: [], nextCursor: null };
    const rows = await this.repository.search({
      ...criteria,
      after: query.cursor ? decodeCursor(query.cursor) : null,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => toCustomerView(row, context)),
      nextCursor: rows.length > limit && last ? encodeCursor({ id: last.id }) : null,
    };
  }
}

/**
 * The search's criteria as the repository takes them, within the stations the caller may see:
 * the one translation of the list's query and of the customers report's criteria (null: the
 * caller sees none of the stations asked for, so nothing matches).
 */
export function matchCriteria(
  context: CallerContext,
  query: CustomerSearchCriteriaDto,
): CustomerMatchCriteria | null {
  const tenant = requireTenant(context);
  const own = visibleStations(context);
  let stationIds = query.stationIds ?? null;
  if (own) stationIds = stationIds ? stationIds.filter((s) => own.includes(s)) : own;
  if (stationIds && stationIds.length === 0) return null;
  return {
    tenantId: tenant.id,
    patterns: tokeniseSearch(query.q).map(containsPattern),
    includePassive: query.includePassive ?? false,
    createdFrom: query.createdFrom ? new Date(query.createdFrom) : null,
    createdBefore: query.createdTo ? endOf(query.createdTo) : null,
    stationIds,
    groupIds: query.groupIds ?? null,
    sourceId: query.sourceId ?? null,
    regularOfUserId: query.regularOf === 'me' ? context.userId : (query.regularOf ?? null),
    leasingCompany: query.leasingCompany ?? null,
    internal: query.internal ?? null,
    externalId: query.externalId ? parseExternalId(query.externalId) : null,
    marketingConsent: query.marketingConsent ?? null,
  };
}

/** `dms:DMS-1` to its system and id (the DTO checked the shape). */
function parseExternalId(value: string): ExternalIdDto {
  const colon = value.indexOf(':');
  return { system: value.slice(0, colon), id: value.slice(colon + 1) };
}

/** A date without a time means the whole day. */
function endOf(value: string): Date {
  const date = new Date(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) date.setUTCDate(date.getUTCDate() + 1);
  else date.setTime(date.getTime() + 1);
  return date;
}
