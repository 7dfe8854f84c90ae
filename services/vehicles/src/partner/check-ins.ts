import { Injectable } from '@nestjs/common';
import { PARTNER_CUSTOMER_SUBMITTED_V1 } from '@kanta/contracts';
import type { TypedEvent } from '@kanta/messaging';
import type { Intake } from './intake';
import { PartnerVisits, visitFacts } from './partner-visits';

/**
 * Details a customer gave at a kiosk or in an online check-in: the vehicle is found or made and
 * linked to them; with a `bookingId` the booking's visit gets the customer and the vehicle, when
 * it has none yet (a placeholder if the check-in overtook its booking).
 */
@Injectable()
export class CustomerCheckIns {
  constructor(private readonly visits: PartnerVisits) {}

  async record(i: Intake, e: TypedEvent<typeof PARTNER_CUSTOMER_SUBMITTED_V1>): Promise<void> {
    const p = e.payload;
    const parties = await this.visits.parties(i, true, p.vehicle);
    if (!p.bookingId) return;
    await this.visits.record(i, {
      ...visitFacts(i, p.bookingId, p.stationId),
      placeholder: {
        kind: 'booking',
        channel: p.source === 'kiosk' ? 'kiosk' : 'online_booking',
        at: i.occurredAt,
      },
      ...parties,
    });
  }
}
