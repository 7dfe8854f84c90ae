import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CONSENT_RECORDED_V1 } from '@kanta/contracts';
import type { EntityManager } from 'typeorm';
import { EventConsumer } from '@kanta/messaging';

/** The consent purposes search can filter by: bit 1 and bit 2 of customers.marketing_consents. */
const MARKETING_PURPOSES = new Set(['marketing_email', 'marketing_sms']);

/**
 * Keeps each customer's current e-mail and SMS marketing decisions from the consents service's
 * events. The newest ledger entry wins whatever order the events come in; the customer's own
 * version does not change (this is not an edit of the card).
 */
@Injectable()
export class MarketingConsentsConsumer implements OnModuleInit {
  constructor(private readonly consumer: EventConsumer) {}

  onModuleInit(): void {
    this.consumer.on(CONSENT_RECORDED_V1, async (event, { manager }) => {
      const { customerId, purpose, decision, entryId } = event.payload;
      if (!MARKETING_PURPOSES.has(purpose)) return;
      const tenantId = event.tenantId as string;
      // Decisions of one customer arrive side by side (one event per purpose) and each handler
      // sums all of them: the customer's row lock makes them take turns, so the later sum sees
      // the earlier decision (a new statement after the wait reads what was committed).
      const [customer] = await manager.query<{ status: string }[]>(
        'SELECT status FROM customers.customers WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
        [tenantId, customerId],
      );
      // An erased customer keeps no consent flags: a decision arriving after the erasure (the
      // ledger's own erasure, an event in flight) is not taken.
      if (customer?.status === 'erased') return;
      await manager.query(
        `INSERT INTO customers.customer_marketing_consents
           (tenant_id, customer_id, purpose, granted, entry_id)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, customer_id, purpose) DO UPDATE
           SET granted = EXCLUDED.granted, entry_id = EXCLUDED.entry_id
         WHERE customer_marketing_consents.entry_id < EXCLUDED.entry_id`,
        [tenantId, customerId, purpose, decision === 'granted', entryId],
      );
      await refreshMarketingConsents(manager, tenantId, [customerId]);
    });
  }
}

/**
 * Sets the customers' `marketing_consents` bits (what search filters on) from their rows in
 * customer_marketing_consents: after a decision, or after a merge moved decisions.
 */
export async function refreshMarketingConsents(
  manager: EntityManager,
  tenantId: string,
  customerIds: string[],
): Promise<void> {
  await manager.query(
    `UPDATE customers.customers c SET marketing_consents = coalesce((
       SELECT sum(CASE m.purpose WHEN 'marketing_email' THEN 1 ELSE 2 END)
         FROM customers.customer_marketing_consents m
        WHERE m.tenant_id = c.tenant_id AND m.customer_id = c.id AND m.granted), 0)
      WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])`,
    [tenantId, customerIds],
  );
}
