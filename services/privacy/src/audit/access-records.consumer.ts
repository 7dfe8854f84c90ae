import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ACCESS_RECORDED_V1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';
import { AccessLogRepository, type AccessEntry } from './access-log.repository';

/**
 * The gateway's access records into the access log: every event of a consumer batch (each one
 * tenant's flush of the gateway) inserted with one statement per tenant, in the batch's
 * transaction with the inbox.
 */
@Injectable()
export class AccessRecords implements OnModuleInit {
  constructor(
    private readonly consumer: EventConsumer,
    private readonly repository: AccessLogRepository,
  ) {}

  onModuleInit(): void {
    this.consumer.onBatch(ACCESS_RECORDED_V1, async (events, { manager }) => {
      const byTenant = new Map<string, AccessEntry[]>();
      for (const event of events) {
        // Access is always to a tenant's customers; an event without one is nobody's.
        if (!event.tenantId) continue;
        const entries = byTenant.get(event.tenantId) ?? [];
        entries.push(...event.payload.entries);
        byTenant.set(event.tenantId, entries);
      }
      for (const [tenantId, entries] of byTenant) {
        await this.repository.insert(manager, tenantId, entries);
      }
    });
  }
}
