import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  CONSENT_PREFERENCES_CHANGED_V1,
  CONSENT_RECORDED_V1,
  CUSTOMER_REPORTABLE_V1,
  SALE_RECORDED_V1,
  VEHICLE_CREATED_V1,
  VEHICLE_LINKED_V1,
  VEHICLE_UNLINKED_V1,
  VEHICLE_UPDATED_V1,
  VISIT_RECORDED_V1,
  VISIT_UPDATED_V1,
  type EventEnvelope,
} from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';
import { ReadModelRepository, type Applied } from './read-model.repository';

/**
 * Feeds the read model from the owners' events, through the inbox like every consumer: the
 * reporting stream for the cards, the vehicles service's vehicles, visits and sales, the consents
 * service's decisions and preferences. Each batch is applied in its inbox transaction, and the
 * tenant's freshness with it.
 */
@Injectable()
export class ReadModelConsumer implements OnModuleInit {
  constructor(
    private readonly events: EventConsumer,
    private readonly readModel: ReadModelRepository,
  ) {}

  onModuleInit(): void {
    const feed =
      <P>(apply: (manager: EntityManager, events: Applied<P>[]) => Promise<void>) =>
      async (
        batch: EventEnvelope<P, string>[],
        { manager }: { manager: EntityManager },
      ): Promise<void> => {
        const applied = batch.flatMap((e) =>
          e.tenantId
            ? [{ tenantId: e.tenantId, occurredAt: e.occurredAt, payload: e.payload }]
            : [],
        );
        await apply(manager, applied);
        if (batch.length > 0) await this.readModel.touch(manager, batch[0].type, applied);
      };
    const m = this.readModel;
    this.events.onBatch(
      CUSTOMER_REPORTABLE_V1,
      feed((x, e) => m.applyCards(x, e)),
    );
    this.events.onBatch(
      VISIT_RECORDED_V1,
      feed((x, e) => m.applyVisits(x, e)),
    );
    this.events.onBatch(
      VISIT_UPDATED_V1,
      feed((x, e) => m.applyVisits(x, e)),
    );
    this.events.onBatch(
      SALE_RECORDED_V1,
      feed((x, e) => m.applySales(x, e)),
    );
    for (const type of [
      VEHICLE_CREATED_V1,
      VEHICLE_UPDATED_V1,
      VEHICLE_LINKED_V1,
      VEHICLE_UNLINKED_V1,
    ] as const) {
      this.events.onBatch(
        type,
        feed((x, e) => m.applyVehicles(x, e)),
      );
    }
    this.events.onBatch(
      CONSENT_RECORDED_V1,
      feed((x, e) => m.applyConsents(x, e)),
    );
    this.events.onBatch(
      CONSENT_PREFERENCES_CHANGED_V1,
      feed((x, e) => m.applyPreferences(x, e)),
    );
  }
}
