import { Injectable } from '@nestjs/common';
import { PARTNER_WORK_COMPLETED_V1 } from '@kanta/contracts';
import type { TypedEvent } from '@kanta/messaging';
import type { Intake } from './intake';
import { PartnerVisits, visitFacts } from './partner-visits';

/**
 * An inspection or a work order a partner system completed: its booking's visit (or a new one by
 * the work order's reference) is completed, with the customer and the vehicle it names.
 */
@Injectable()
export class CompletedWork {
  constructor(private readonly visits: PartnerVisits) {}

  async record(i: Intake, e: TypedEvent<typeof PARTNER_WORK_COMPLETED_V1>): Promise<void> {
    const p = e.payload;
    const facts = visitFacts(i, p.bookingId ?? p.workOrderId, p.stationId);
    await this.visits.record(i, {
      ...facts,
      placeholder: { kind: p.kind, channel: 'dms', at: p.completedAt },
      status: { value: 'completed', eventAt: e.occurredAt, reason: null },
      partnerLink: p.link ?? null,
      ...(await this.visits.parties(i, p.customer !== undefined, p.vehicle)),
    });
  }
}
