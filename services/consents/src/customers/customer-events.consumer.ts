import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CUSTOMER_CREATED_V1, CUSTOMER_UPDATED_V1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';
import { ConsentLedger } from '../ledger/consent-ledger.service';

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
 * newer one, so events may arrive in any order. Consent decisions given at reception when the
 * customer was created arrive on the created event and are recorded here.
 */
@Injectable()
export class CustomerEventsConsumer implements OnModuleInit {
  private readonly logger = new Logger('CustomerEvents');

  constructor(
    private readonly consumer: EventConsumer,
    private readonly ledger: ConsentLedger,
  ) {}

  onModuleInit(): void {
    this.consumer.on(CUSTOMER_CREATED_V1, async (event, { manager }) => {
      const tenantId = event.tenantId as string;
      await upsertCustomer(manager, tenantId, event.payload);
      const consents = event.payload.consents;
      if (!consents) return;
      const rejected = await this.ledger.recordFromEvent(
        manager,
        tenantId,
        event.payload.customerId,
        event.correlationId,
        {
          source: consents.source,
          recorder: { userId: consents.recordedBy },
          decisions: consents.decisions,
        },
      );
      if (rejected.length > 0) {
        this.logger.warn(
          `event ${event.eventId}: ${rejected.length} consent decision(s) not recorded: ` +
            rejected.map((e) => `${e.field} ${e.reason}`).join(', '),
        );
      }
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
