import { problemType, type CustomerPage, type PossibleDuplicateProblem } from '@kanta/contracts';
import { ProblemError, type JsonText } from '@kanta/platform';
import type { CustomersConcerned } from './records-access';

/**
 * The ids of the customers a relayed page answered with: as the customers service sent them
 * beside the page (CUSTOMERS.search's `shows`, read from the page it serialised), else parsed
 * from the text (about 60 µs for a page of 25 cards on the gateway's event loop, a tenth of what
 * the gateway spends on the search). Reading them out of the text with a pattern was cheaper but
 * tied to the key order the customers service writes, and silently missed items when it changed.
 */
export function customerIdsOfPage(page: JsonText<CustomerPage>): string[] {
  if (page.shownCustomers) return [...page.shownCustomers];
  const parsed = JSON.parse(page.text) as Partial<CustomerPage>;
  return (parsed.items ?? []).map((item) => item.id);
}

/**
 * The customers a create's 409 possible-duplicate showed: its candidates (those the caller may
 * see; `hiddenCandidates` is only a count). None for any other failure.
 */
export function candidatesShown(error: unknown): string[] {
  if (
    !(error instanceof ProblemError) ||
    error.problem.type !== problemType('possible-duplicate')
  ) {
    return [];
  }
  const { candidates } = error.problem as Partial<PossibleDuplicateProblem>;
  return Array.isArray(candidates) ? candidates.map((candidate) => candidate.customerId) : [];
}

/*
 * Which customers an answer or a request names, for RecordsAccess: each reads only ids the
 * answer carries (a visit's, a sale's or a reminder's customerId, a vehicle's links), once each.
 */

/** A record of at most one customer: a visit, a sale, a reminder. */
interface OfCustomer {
  customerId: string | null;
}

/** A vehicle: the customers linked to it. */
interface WithCustomers {
  customers: readonly OfCustomer[];
}

const distinct = (ids: Iterable<string | null>): string[] => {
  const seen = new Set<string>();
  for (const id of ids) if (id) seen.add(id.toLowerCase());
  return [...seen];
};

/** The customer of the route `customers/:id/…`. */
export const theRouteCustomer: CustomersConcerned<unknown> = (_answer, { params }) =>
  distinct([params.id ?? null]);

/** The customer a route parameter other than `:id` names (a link taken off a vehicle). */
export const theRouteParam =
  (name: string): CustomersConcerned<unknown> =>
  (_answer, { params }) =>
    distinct([params[name] ?? null]);

/** The customer a request body names in `customerId` (a link put on a vehicle). */
export const theCustomerSent: CustomersConcerned<unknown> = (_answer, { body }) => {
  const id = (body as Partial<OfCustomer> | null)?.customerId;
  return distinct([typeof id === 'string' ? id : null]);
};

/** The customer of a visit, sale or reminder, when it has one. */
export const itsCustomer: CustomersConcerned<OfCustomer> = (record) =>
  distinct([record.customerId]);

/** The customers of a page of visits, sales or reminders. */
export const customersOfItems: CustomersConcerned<{ items: readonly OfCustomer[] }> = (page) =>
  distinct(page.items.map((item) => item.customerId));

/** The customers linked to a vehicle. */
export const customersOfVehicle: CustomersConcerned<WithCustomers> = (vehicle) =>
  distinct(vehicle.customers.map((link) => link.customerId));

/** The customers linked to the vehicles of a page. */
export const customersOfVehicles: CustomersConcerned<{ items: readonly WithCustomers[] }> = (
  page,
) => distinct(page.items.flatMap((vehicle) => vehicle.customers.map((link) => link.customerId)));
