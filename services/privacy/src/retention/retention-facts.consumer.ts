import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  CUSTOMER_CREATED_V1,
  CUSTOMER_UPDATED_V1,
  SALE_RECORDED_V1,
  TENANT_SETTINGS_CHANGED_V1,
  VISIT_RECORDED_V1,
  VISIT_UPDATED_V1,
} from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';
import { RetentionRepository, type Activity } from './retention.repository';

/** The earlier of two ISO times. */
const earlier = (a: string, b: string): string => (Date.parse(a) <= Date.parse(b) ? a : b);

/**
 * What retention learns from other services' events: each tenant's `retentionYears` (the
 * gateway's announcements) and each customer's last activity. An edit of the card counts when it
 * happened (the envelope's `occurredAt`); a visit at its date and a sale when it was sold, but
 * never later than the event itself: a booking for next month is activity when it was made, and a
 * visit of years ago recorded today (an import) is activity of years ago.
 */
@Injectable()
export class RetentionFacts implements OnModuleInit {
  constructor(
    private readonly events: EventConsumer,
    private readonly repository: RetentionRepository,
  ) {}

  onModuleInit(): void {
    const edits = (
      batch: { tenantId: string | null; occurredAt: string; payload: { customerId: string } }[],
    ): Activity[] =>
      batch.flatMap((e) =>
        e.tenantId
          ? [{ tenantId: e.tenantId, customerId: e.payload.customerId, at: e.occurredAt }]
          : [],
      );
    this.events
      .onBatch(CUSTOMER_CREATED_V1, (batch, { manager }) =>
        this.repository.recordActivity(manager, edits(batch)),
      )
      .onBatch(CUSTOMER_UPDATED_V1, (batch, { manager }) =>
        this.repository.recordActivity(manager, edits(batch)),
      );
    const visits = (
      batch: {
        tenantId: string | null;
        occurredAt: string;
        payload: { customerId: string | null; scheduledAt: string };
      }[],
    ): Activity[] =>
      batch.flatMap(({ tenantId, occurredAt, payload }) =>
        tenantId && payload.customerId
          ? [
              {
                tenantId,
                customerId: payload.customerId,
                at: earlier(payload.scheduledAt, occurredAt),
              },
            ]
          : [],
      );
    this.events
      .onBatch(VISIT_RECORDED_V1, (batch, { manager }) =>
        this.repository.recordActivity(manager, visits(batch)),
      )
      .onBatch(VISIT_UPDATED_V1, (batch, { manager }) =>
        this.repository.recordActivity(manager, visits(batch)),
      )
      .onBatch(SALE_RECORDED_V1, (batch, { manager }) =>
        this.repository.recordActivity(
          manager,
          batch.flatMap(({ tenantId, occurredAt, payload }) =>
            tenantId && payload.customerId
              ? [
                  {
                    tenantId,
                    customerId: payload.customerId,
                    at: earlier(payload.soldAt, occurredAt),
                  },
                ]
              : [],
          ),
        ),
      )
      .on(TENANT_SETTINGS_CHANGED_V1, async (event, { manager }) => {
        if (!event.tenantId) return;
        await this.repository.saveSettings(
          manager,
          event.tenantId,
          event.payload.retentionYears,
          event.payload.version,
        );
      });
  }
}
