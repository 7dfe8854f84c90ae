import { fingerprintOf, stableJson } from '@kanta/platform';
import type { CustomerRow, CustomerWrite } from '../customers/customer-row';

/**
 * What the survivor's card gained from the duplicate's lists: group and station ids as ids, the
 * addresses, documents and external ids as hashes of their canonical JSON (never the values).
 */
export interface CardAdditions {
  groupIds: string[];
  stationIds: string[];
  addresses: string[];
  documents: string[];
  externalIds: string[];
}

/** The survivor's card after a merge, what it took and gained, and what conflicted. */
export interface MergedCard {
  write: CustomerWrite;
  /** The API names of the fields the survivor had empty and took from the duplicate. */
  taken: string[];
  added: CardAdditions;
  /** The API names of the fields both had filled in differently (the survivor's kept). */
  conflicts: string[];
}

/**
 * The fields the survivor takes from the duplicate when its own is empty, by API name, with the
 * columns each is stored in (a phone is three, taken together).
 */
const TAKEN_FIELDS: [field: string, columns: (keyof CustomerWrite)[]][] = [
  ['firstName', ['first_name']],
  ['lastName', ['last_name']],
  ['companyName', ['company_name']],
  ['businessId', ['business_id']],
  ['phone', ['phone', 'phone_raw', 'phone_national']],
  ['email', ['email']],
  ['notes', ['notes']],
  ['description', ['description']],
  ['sourceId', ['source_id']],
  ['regularOfUserId', ['regular_of_user_id']],
  ['discountPercent', ['discount_percent']],
  ['nameDay', ['name_day']],
  ['birthday', ['birthday']],
];

/**
 * The fields that say what the customer is rather than describe them: the survivor's stay
 * whatever the duplicate has (a conflict when they differ). The customer number always differs.
 */
const KEPT_FIELDS: [field: string, column: keyof CustomerWrite][] = [
  ['customerNumber', 'customer_number'],
  ['kind', 'kind'],
  ['internal', 'internal'],
  ['leasingCompany', 'leasing_company'],
  ['leasingCompanyId', 'leasing_company_id'],
];

const hashOf = (value: unknown): string => fingerprintOf(value);
const same = (a: unknown, b: unknown): boolean => stableJson(a) === stableJson(b);

/** The row's written columns, as a write that keeps them. */
export function writeOf(row: CustomerRow): CustomerWrite {
  return {
    kind: row.kind,
    first_name: row.first_name,
    last_name: row.last_name,
    company_name: row.company_name,
    business_id: row.business_id,
    phone: row.phone,
    phone_raw: row.phone_raw,
    phone_national: row.phone_national,
    email: row.email,
    addresses: row.addresses,
    notes: row.notes,
    status: row.status,
    customer_number: row.customer_number,
    station_ids: row.station_ids,
    external_ids: row.external_ids,
    description: row.description,
    group_ids: row.group_ids,
    source_id: row.source_id,
    regular_of_user_id: row.regular_of_user_id,
    discount_percent: row.discount_percent,
    name_day: row.name_day,
    birthday: row.birthday,
    documents: row.documents,
    internal: row.internal,
    leasing_company: row.leasing_company,
    leasing_company_id: row.leasing_company_id,
  };
}

/**
 * The survivor's card with the duplicate merged in: the survivor keeps every value it has, takes
 * the duplicate's where its own is empty (TAKEN_FIELDS), and gains the union of groups, stations,
 * addresses, external ids, and documents of a type it has none of.
 */
export function mergeCards(survivor: CustomerRow, duplicate: CustomerRow): MergedCard {
  const write = writeOf(survivor);
  const taken: string[] = [];
  const conflicts: string[] = [];
  for (const [field, columns] of TAKEN_FIELDS) {
    const own = survivor[columns[0]];
    const theirs = duplicate[columns[0]];
    if (theirs === null) continue;
    if (own === null) {
      for (const column of columns) Object.assign(write, { [column]: duplicate[column] });
      taken.push(field);
    } else if (!same(own, theirs)) {
      conflicts.push(field);
    }
  }
  for (const [field, column] of KEPT_FIELDS) {
    const theirs = duplicate[column];
    if (theirs !== null && !same(survivor[column], theirs)) conflicts.push(field);
  }

  const newIds = (own: string[], theirs: string[]): string[] =>
    [...new Set(theirs)].filter((id) => !own.includes(id));
  const added: CardAdditions = {
    groupIds: newIds(survivor.group_ids, duplicate.group_ids),
    stationIds: newIds(survivor.station_ids, duplicate.station_ids),
    addresses: [],
    documents: [],
    externalIds: [],
  };
  write.group_ids = [...survivor.group_ids, ...added.groupIds];
  write.station_ids = [...survivor.station_ids, ...added.stationIds];

  const unionBy = <T>(own: T[], theirs: T[], into: string[]): T[] => {
    const hashes = new Set(own.map(hashOf));
    const gained = theirs.filter((item) => {
      const hash = hashOf(item);
      if (hashes.has(hash)) return false;
      hashes.add(hash);
      into.push(hash);
      return true;
    });
    return [...own, ...gained];
  };
  write.addresses = unionBy(survivor.addresses, duplicate.addresses, added.addresses);
  write.external_ids = unionBy(survivor.external_ids, duplicate.external_ids, added.externalIds);
  // One document of each type: the survivor's stays, a different one of the duplicate conflicts.
  const ownTypes = new Map(survivor.documents.map((d) => [d.type, d]));
  const documents = duplicate.documents.filter((d) => {
    const own = ownTypes.get(d.type);
    if (own && !same(own, d) && !conflicts.includes('documents')) conflicts.push('documents');
    return !own;
  });
  write.documents = unionBy(survivor.documents, documents, added.documents);
  return { write, taken, added, conflicts };
}

/** What an undo gives back, and the API names of the survivor's fields it changed. */
export interface UnmergedCard {
  write: CustomerWrite;
  changed: string[];
}

/**
 * The survivor's card with what a merge gave it taken back: each field it took whose value is
 * still the duplicate's (one changed since stays), and each union element it gained that it
 * still has. Values added since stay.
 */
export function unmergeCards(
  survivor: CustomerRow,
  duplicate: CustomerRow,
  taken: string[],
  added: CardAdditions,
): UnmergedCard {
  const write = writeOf(survivor);
  const changed: string[] = [];
  for (const [field, columns] of TAKEN_FIELDS) {
    if (!taken.includes(field)) continue;
    if (survivor[columns[0]] === null || !same(survivor[columns[0]], duplicate[columns[0]])) {
      continue;
    }
    for (const column of columns) Object.assign(write, { [column]: null });
    changed.push(field);
  }
  const withoutIds = (field: string, own: string[], gained: string[]): string[] => {
    const kept = own.filter((id) => !gained.includes(id));
    if (kept.length !== own.length) changed.push(field);
    return kept;
  };
  write.group_ids = withoutIds('groupIds', survivor.group_ids, added.groupIds);
  write.station_ids = withoutIds('stationIds', survivor.station_ids, added.stationIds);
  const without = <T>(field: string, own: T[], gained: string[]): T[] => {
    const kept = own.filter((item) => !gained.includes(hashOf(item)));
    if (kept.length !== own.length) changed.push(field);
    return kept;
  };
  write.addresses = without('addresses', survivor.addresses, added.addresses);
  write.documents = without('documents', survivor.documents, added.documents);
  write.external_ids = without('externalIds', survivor.external_ids, added.externalIds);
  return { write, changed };
}
