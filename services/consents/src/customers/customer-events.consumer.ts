import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CUSTOMER_CREATED_V1, CUSTOMER_UPDATED_V1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';

interface CustomerFacts {
  customerId: string;
  stationIds: string[];
  status: string;
  version: number;
  hasEmail?: boolean;
  hasPhone?: boolean;
}

/**
 * Learns customers from the customers service: which exist, their stations (who may see them)
 * and whether they can be reached by e-mail and phone. An older version never overwrites a
 * newer one, so events may arrive in any order.
 */
@Injectable()
export class CustomerEventsConsumer implements OnModuleInit {
  constructor(private readonly consumer: EventConsumer) {}

  onModuleInit(): void {
    this.consumer.on(CUSTOMER_CREATED_V1, async (event, { manager }) => {
      await upsertCustomer(manager, event.tenantId as string, event.payload);
    });
    this.consumer.on(CUSTOMER_UPDATED_V1, async (event, { manager }) => {
      await upsertCustomer(manager, event.tenantId as string, event.payload);
    });
  }
}

async function upsertCustomer(
  manager: EntityManager,
  tenantId: string,
  facts: CustomerFacts,
): Promise<void> {
  await manager.query(
    `INSERT INTO consents.customers (tenant_id, customer_id, station_ids, status, has_email,
       has_phone, version)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id, customer_id) DO UPDATE SET
       station_ids = EXCLUDED.station_ids, status = EXCLUDED.status,
       has_email = coalesce($8, customers.has_email), has_phone = coalesce($9, customers.has_phone),
       version = EXCLUDED.version
     WHERE customers.version < EXCLUDED.version`,
    [
      tenantId,
      facts.customerId,
      facts.stationIds,
      facts.status,
      facts.hasEmail ?? false,
      facts.hasPhone ?? false,
      facts.version,
      facts.hasEmail ?? null,
      facts.hasPhone ?? null,
    ],
  );
}
