import type { CustomerPage } from '@kanta/contracts';
import type { JsonText } from '@kanta/platform';

/**
 * A customer item of a page as the customers service writes it (customer-view.ts): `id` its
 * first key and `version` its last, so an item starts right after the page's `[` or after the
 * previous item's `"version":<n>},`. Nested objects (`deletionRequest`, external ids that are
 * UUIDs) never follow either, and inside a string `{"` is written `{\"`.
 */
const ITEM_ID = /(?:^\{"items":\[|"version":\d+\},)\{"id":"([0-9a-fA-F-]{36})"/g;

/**
 * The ids of the customers a relayed page answered with, read from its JSON text without
 * parsing it: a fifth of what JSON.parse costs (16 µs against 90 µs for a page of 25 cards,
 * 20 kB; 58 µs against 330 µs for 100). A page the pattern does not fit (another shape than the
 * one above) is parsed instead.
 */
export function customerIdsOfPage(page: JsonText<CustomerPage>): string[] {
  const text = page.text;
  const ids: string[] = [];
  for (const match of text.matchAll(ITEM_ID)) ids.push(match[1]);
  if (ids.length > 0 || text.startsWith('{"items":[]')) return ids;
  const parsed = JSON.parse(text) as Partial<CustomerPage>;
  return (parsed.items ?? []).map((item) => item.id);
}
