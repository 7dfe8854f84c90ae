import {
  CUSTOMER_CREATED_V1,
  CUSTOMER_UPDATED_V1,
  type ConsentsGiven,
  type CustomerOrigin,
  type CustomerRecordStatus,
} from '@kanta/contracts';
import type { OutboxEvent } from '@kanta/messaging';

/*
 * The reporting stream (`customers.customer.reportable.v1`, the card's reportable fields) is not
 * built here but by triggers on customers.customers, in the statement that writes each version
 * (migration 1767800000000-reporting-stream): every write path, bulk ones included, gets it
 * without knowing of it.
 */

/** What an update event says about the customer: identifiers and classification only. */
export interface UpdatedCustomerFacts {
  id: string;
  customer_number: string;
  status: CustomerRecordStatus;
  station_ids: string[];
  version: number;
  email: string | null;
  phone: string | null;
  /** Status `merged`: the customer it was merged into (directly). */
  merged_into?: string | null;
}

/** `customers.customer.updated.v1` for a change of these fields (their names, never values). */
export function customerUpdatedEvent(
  context: { correlationId?: string | null },
  tenantId: string,
  customer: UpdatedCustomerFacts,
  changedFields: string[],
): OutboxEvent<typeof CUSTOMER_UPDATED_V1> {
  return {
    type: CUSTOMER_UPDATED_V1,
    tenantId,
    correlationId: context.correlationId ?? null,
    payload: {
      customerId: customer.id,
      customerNumber: customer.customer_number,
      status: customer.status,
      stationIds: customer.station_ids,
      version: customer.version,
      changedFields,
      hasEmail: customer.email !== null,
      hasPhone: customer.phone !== null,
      ...(customer.status === 'merged' && customer.merged_into
        ? { mergedInto: customer.merged_into }
        : {}),
    },
  };
}

/**
 * `customers.customer.created.v1` of a customer just written (its first version), however it
 * was made (reception, a partner's contact details): whether an e-mail address and a phone are
 * on file always told, as the consents service answers by them.
 */
export function customerCreatedEvent(
  tenantId: string,
  customerId: string,
  customer: Pick<
    UpdatedCustomerFacts,
    'customer_number' | 'station_ids' | 'status' | 'email' | 'phone'
  > & {
    kind: 'person' | 'company';
  },
  origin: CustomerOrigin,
  correlationId: string | null,
  consents?: ConsentsGiven,
): OutboxEvent<typeof CUSTOMER_CREATED_V1> {
  return {
    type: CUSTOMER_CREATED_V1,
    tenantId,
    correlationId,
    payload: {
      customerId,
      customerNumber: customer.customer_number,
      kind: customer.kind,
      status: customer.status,
      origin,
      stationIds: customer.station_ids,
      version: 1,
      hasEmail: customer.email !== null,
      hasPhone: customer.phone !== null,
      ...(consents ? { consents } : {}),
    },
  };
}
