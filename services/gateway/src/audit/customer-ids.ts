import type { CustomerPage } from '@kanta/contracts';
import type { JsonText } from '@kanta/platform';

/**
 * The ids of the customers a relayed page answered with. Parsed as JSON (about 90 µs for a page
 * of 25 cards): reading them out of the text with a pattern was five times cheaper but tied to
 * the key order the customers service writes, and silently missed items when it changed.
 */
export function customerIdsOfPage(page: JsonText<CustomerPage>): string[] {
  const parsed = JSON.parse(page.text) as Partial<CustomerPage>;
  return (parsed.items ?? []).map((item) => item.id);
}
