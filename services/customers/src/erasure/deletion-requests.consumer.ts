import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DELETION_CANCELLED_V1, DELETION_REQUESTED_V1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';

/**
 * Keeps on the card the customer's pending deletion request, from the privacy service's events:
 * the card shows when it was asked and when the erasure is due. Request ids are UUIDv7, so a
 * newer request replaces an older one whatever order their events come in; a cancellation clears
 * only the request it names; the erasure clears it (CustomerErasure). Not an edit of the card: its
 * version does not change.
 */
@Injectable()
export class DeletionRequestsConsumer implements OnModuleInit {
  constructor(private readonly consumer: EventConsumer) {}

  onModuleInit(): void {
    this.consumer
      .on(DELETION_REQUESTED_V1, async (event, { manager }) => {
        const { requestId, customerId, requestedAt, dueAt } = event.payload;
        await manager.query(
          `UPDATE customers.customers
              SET deletion_request_id = $3, deletion_requested_at = $4, deletion_due_at = $5
            WHERE tenant_id = $1 AND id = $2 AND status <> 'erased'
              AND (deletion_request_id IS NULL OR deletion_request_id < $3)`,
          [event.tenantId, customerId, requestId, requestedAt, dueAt],
        );
      })
      .on(DELETION_CANCELLED_V1, async (event, { manager }) => {
        const { requestId, customerId } = event.payload;
        await manager.query(
          `UPDATE customers.customers
              SET deletion_request_id = NULL, deletion_requested_at = NULL, deletion_due_at = NULL
            WHERE tenant_id = $1 AND id = $2 AND deletion_request_id = $3`,
          [event.tenantId, customerId, requestId],
        );
      });
  }
}
