import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ACCESS_RECORDED_V1, ACCESS_RECORDED_V2, type AccessRecordedV2 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';
import { AccessLogRepository, type AccessEntry } from './access-log.repository';

/**
 * The gateway's access records into the access log: every event of a consumer batch (each one
 * tenant's flush of the gateway) inserted with one statement per tenant, in the batch's
 * transaction with the inbox. The compact v2 is what the gateway publishes; v1 is still read,
 * for flushes written before it (an outbox, a queue, a dead letter replayed).
 */
@Injectable()
export class AccessRecords implements OnModuleInit {
  constructor(
    private readonly consumer: EventConsumer,
    private readonly repository: AccessLogRepository,
  ) {}

  onModuleInit(): void {
    this.consumer.onBatch(ACCESS_RECORDED_V2, async (events, { manager }) => {
      const byTenant = new Map<string, AccessRecordedV2[]>();
      for (const event of events) {
        // Access is always to a tenant's customers; an event without one is nobody's.
        if (!event.tenantId) continue;
        const flushes = byTenant.get(event.tenantId) ?? [];
        flushes.push(event.payload);
        byTenant.set(event.tenantId, flushes);
      }
      for (const [tenantId, flushes] of byTenant) {
        await this.repository.insertCompact(manager, tenantId, flushes);
      }
    });
    this.consumer.onBatch(ACCESS_RECORDED_V1, async (events, { manager }) => {
      const byTenant = new Map<string, AccessEntry[]>();
      for (const event of events) {
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
