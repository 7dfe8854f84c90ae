import { CUSTOMER_UPDATED_V1, type CallerContext } from '@kanta/contracts';
import type { OutboxEvent } from '@kanta/messaging';

/** What an update event says about the customer: identifiers and classification only. */
export interface UpdatedCustomerFacts {
  id: string;
  customer_number: string;
  status: 'active' | 'passive';
  station_ids: string[];
  version: number;
  email: string | null;
  phone: string | null;
}

/** `customers.customer.updated.v1` for a change of these fields (their names, never values). */
export function customerUpdatedEvent(
  context: CallerContext,
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
    },
  };
}
