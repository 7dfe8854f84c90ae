import { consentsGivenSchema, type ConsentsGiven } from '../consents/events';
import type { CustomerKind, CustomerOrigin, CustomerRecordStatus } from './customer.dto';

/*
 * Customer events carry identifiers and classification only: no names, phones, e-mails or
 * addresses. Consumers that need to show a customer ask through the gateway. The one exception
 * is the reporting stream (`customers.customer.reportable.v1`, below), bound by the reporting
 * service alone and forgotten from the outbox once published.
 */
export const CUSTOMER_CREATED_V1 = 'customers.customer.created.v1';
export const CUSTOMER_UPDATED_V1 = 'customers.customer.updated.v1';

/**
 * Whether the customer has an e-mail address and a phone number on file: what the consents
 * service needs to answer "no address", without the addresses themselves.
 */
export interface CustomerReachability {
  hasEmail?: boolean;
  hasPhone?: boolean;
}

export interface CustomerCreatedV1 extends CustomerReachability {
  customerId: string;
  customerNumber: string;
  kind: CustomerKind;
  status: CustomerRecordStatus;
  origin: CustomerOrigin;
  stationIds: string[];
  version: number;
  /** Recorded in the consent ledger by the consents service. */
  consents?: ConsentsGiven;
}

export interface CustomerUpdatedV1 extends CustomerReachability {
  customerId: string;
  customerNumber: string;
  status: CustomerRecordStatus;
  stationIds: string[];
  version: number;
  /** Names of the fields that changed (never their values). */
  changedFields: string[];
  /** Status `merged`: the customer it was merged into (directly; a chain is followed by id). */
  mergedInto?: string | null;
}

const uuid = { type: 'string', format: 'uuid' } as const;
const common = {
  customerId: uuid,
  customerNumber: { type: 'string', minLength: 1 },
  status: { type: 'string', enum: ['active', 'passive', 'erased', 'merged'] },
  stationIds: { type: 'array', items: uuid },
  version: { type: 'integer', minimum: 1 },
  hasEmail: { type: 'boolean' },
  hasPhone: { type: 'boolean' },
} as const;

export const customerCreatedV1Schema = {
  $id: CUSTOMER_CREATED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['customerId', 'customerNumber', 'kind', 'status', 'origin', 'stationIds', 'version'],
  properties: {
    ...common,
    kind: { type: 'string', enum: ['person', 'company'] },
    origin: {
      type: 'string',
      enum: ['reception', 'online_booking', 'kiosk', 'pos', 'import', 'api'],
    },
    consents: consentsGivenSchema,
  },
} as const;

export const customerUpdatedV1Schema = {
  $id: CUSTOMER_UPDATED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['customerId', 'customerNumber', 'status', 'stationIds', 'version', 'changedFields'],
  properties: {
    ...common,
    changedFields: { type: 'array', items: { type: 'string' } },
    mergedInto: { anyOf: [uuid, { type: 'null' }] },
  },
} as const;

/**
 * The customers service's answer to a partner event that carried contact details: which
 * customer they belong to (matched or created), or none when they did not suffice (a name alone
 * never creates a customer). Consumers attach the customer to what the partner event recorded.
 */
export const CONTACT_RESOLVED_V1 = 'customers.contact.resolved.v1';

export interface ContactResolvedV1 {
  /** The partner event whose contact details were resolved. */
  partnerEventId: string;
  partnerEventType: string;
  customerId: string | null;
  outcome: 'matched' | 'created' | 'insufficient';
  /** The new customer's stations when created, else the matched one's. */
  stationIds: string[];
  /**
   * The partner event carried consents or communication preferences (the consents service keeps
   * them until this answer). Absent from older answers: read as true.
   */
  carriesConsents?: boolean;
}

export const contactResolvedV1Schema = {
  $id: CONTACT_RESOLVED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['partnerEventId', 'partnerEventType', 'customerId', 'outcome', 'stationIds'],
  properties: {
    partnerEventId: uuid,
    partnerEventType: { type: 'string' },
    customerId: { type: ['string', 'null'], format: 'uuid' },
    outcome: { type: 'string', enum: ['matched', 'created', 'insufficient'] },
    stationIds: { type: 'array', items: uuid },
    carriesConsents: { type: 'boolean' },
  },
} as const;

/**
 * The reporting stream (issue #15, docs/architecture.md "Reporting: where the report columns come
 * from"): the fields the reports print and filter on, one event per version of a card, whatever
 * changed it (create, update, groups, a partner's new customer, merge and its undo, erasure).
 * Only the reporting service's queue binds it; the customers service forgets its published rows.
 * An erased card's event is its shell: every personal field null.
 */
export const CUSTOMER_REPORTABLE_V1 = 'customers.customer.reportable.v1';

export interface CustomerReportableV1 {
  customerId: string;
  version: number;
  kind: CustomerKind;
  status: CustomerRecordStatus;
  customerNumber: string;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  phone: string | null;
  email: string | null;
  /** The card's first address. */
  street: string | null;
  postalCode: string | null;
  city: string | null;
  country: string | null;
  notes: string | null;
  stationIds: string[];
  groupIds: string[];
  regularOfUserId: string | null;
  leasingCompany: boolean;
  internal: boolean;
  createdAt: string;
  /** Status `merged`: the customer it was merged into (the end of the chain). */
  mergedInto: string | null;
}

const text = { type: ['string', 'null'] } as const;

export const customerReportableV1Schema = {
  $id: CUSTOMER_REPORTABLE_V1,
  type: 'object',
  additionalProperties: true,
  required: [
    'customerId',
    'version',
    'kind',
    'status',
    'customerNumber',
    'stationIds',
    'groupIds',
    'leasingCompany',
    'internal',
    'createdAt',
  ],
  properties: {
    customerId: uuid,
    version: common.version,
    kind: { type: 'string', enum: ['person', 'company'] },
    status: common.status,
    customerNumber: common.customerNumber,
    firstName: text,
    lastName: text,
    companyName: text,
    phone: text,
    email: text,
    street: text,
    postalCode: text,
    city: text,
    country: text,
    notes: text,
    stationIds: common.stationIds,
    groupIds: { type: 'array', items: uuid },
    regularOfUserId: { anyOf: [uuid, { type: 'null' }] },
    leasingCompany: { type: 'boolean' },
    internal: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    mergedInto: { anyOf: [uuid, { type: 'null' }] },
  },
} as const;
