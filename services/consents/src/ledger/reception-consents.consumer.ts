import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CUSTOMER_CREATED_V1, VISIT_RECORDED_V1, type ConsentsGiven } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';
import { CustomerDirectory } from '../customers/customer-directory';
import { ConsentLedger } from './consent-ledger.service';

interface Carrier {
  eventId: string;
  tenantId: string | null;
  correlationId: string | null;
}

/**
 * Consent decisions reception gave in the same call as a customer create or a visit, or an
 * import's consent columns on the customers it created: they ride on that service's event
 * (atomic with the change) and are recorded here, with the user who recorded them, once per
 * event (the inbox). The gateway had reception's checked before the call, so a decision refused
 * here (none should be; an import's naming no text is recorded under an unknown text) is logged
 * and skipped: retrying cannot fix it.
 */
@Injectable()
export class ReceptionConsentsConsumer implements OnModuleInit {
  private readonly logger = new Logger('ReceptionConsents');

  constructor(
    private readonly consumer: EventConsumer,
    private readonly ledger: ConsentLedger,
    private readonly customers: CustomerDirectory,
  ) {}

  onModuleInit(): void {
    this.consumer
      .on(CUSTOMER_CREATED_V1, (event, { manager }) =>
        this.record(manager, event, event.payload.customerId, event.payload.consents),
      )
      .on(VISIT_RECORDED_V1, (event, { manager }) =>
        this.record(manager, event, event.payload.customerId, event.payload.consents),
      );
  }

  private async record(
    manager: EntityManager,
    event: Carrier,
    customerId: string | null,
    consents: ConsentsGiven | undefined,
  ): Promise<void> {
    if (!consents || customerId === null) return;
    // A visit of a customer merged since goes to the survivor; one recorded just before the
    // customer's erasure, its event handled after it, records nothing of the person again.
    const recipient = await this.customers.recipient(manager, event.tenantId as string, customerId);
    if (recipient === null) {
      this.logger.warn(
        `event ${event.eventId}: the customer is erased; ` +
          `${consents.decisions.length} consent decision(s) not recorded`,
      );
      return;
    }
    const rejected = await this.ledger.recordFromEvent(
      manager,
      event.tenantId as string,
      recipient,
      event.correlationId,
      {
        source: consents.source,
        recorder: { userId: consents.recordedBy },
        decisions: consents.decisions,
      },
    );
    // Checked by the gateway before the event was written: only a race gets here. The event is
    // also how this service learns the customer, so it is not dead-lettered for one decision.
    if (rejected.length > 0) {
      this.logger.warn(
        `event ${event.eventId}: ${rejected.length} consent decision(s) not recorded: ` +
          rejected.map((e) => `${e.field} ${e.reason}`).join(', '),
      );
    }
  }
}
