import { Injectable } from '@nestjs/common';
import { PARTNER_SALE_COMPLETED_V1 } from '@kanta/contracts';
import { Outbox, type TypedEvent } from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import { millisecondTime } from '../cursor';
import { survivorsAmong } from '../merge/survivors';
import { SalesRepository } from '../sales/sales.repository';
import { saleEvent } from '../sales/sales.service';
import { takeAnswer } from './contact-answers';
import { lock, type Intake } from './intake';

/**
 * A receipt a point of sale sent: recorded once however often it is sent, for its own contact's
 * customer, or else its booking's; it waits for its contact's answer when that is still to come.
 * Its booking's customer is held like an answer's (survivorsAmong): a merge of that customer
 * either waits for the receipt and moves it, or came first and the receipt is its survivor's.
 */
@Injectable()
export class PartnerReceipts {
  constructor(
    private readonly sales: SalesRepository,
    private readonly outbox: Outbox,
  ) {}

  async record(i: Intake, e: TypedEvent<typeof PARTNER_SALE_COMPLETED_V1>): Promise<void> {
    const p = e.payload;
    const answer = await takeAnswer(i, p.customer !== undefined);
    // Its own contact's answer still to come: the receipt waits for it, whatever the visit says.
    const waiting = p.customer !== undefined && !answer.answered;
    if (p.bookingId) await lock(i, `booking:${p.bookingId}`);
    const visit = p.bookingId
      ? (
          await i.manager.query<{ id: string; customer_id: string | null }[]>(
            'SELECT id, customer_id FROM vehicles.visits WHERE tenant_id = $1 AND external_id = $2',
            [i.tenantId, p.bookingId],
          )
        )[0]
      : undefined;
    // Without an answer of its own (nor one to wait for), its booking's customer.
    const bookingCustomer =
      answer.customerId || waiting || !visit?.customer_id
        ? null
        : await this.survivor(i, visit.customer_id);
    // The same receipt sent again (even as a new event) is recorded once.
    const row = await this.sales.insert(
      i.manager,
      i.tenantId,
      {
        id: uuidv7(),
        station_id: p.stationId,
        // A receipt without a customer of its own is its booking's customer's.
        customer_id: answer.customerId ?? bookingCustomer,
        visit_id: visit?.id ?? null,
        booking_ref: visit ? null : (p.bookingId ?? null),
        receipt_number: p.receiptNumber,
        receipt_url: p.receiptUrl ?? null,
        sold_at: millisecondTime(p.soldAt),
        currency: p.currency,
        total_minor: p.totalMinor,
        lines: p.lines,
        source: i.source,
        contact_event_id: waiting ? i.eventId : null,
      },
      true,
    );
    if (row) await this.outbox.enqueue(i.manager, [saleEvent(i.tenantId, row, i.correlationId)]);
  }

  /** The customer, or their survivor if merged; their row held until the transaction ends. */
  private async survivor(i: Intake, customerId: string): Promise<string> {
    const survivors = await survivorsAmong(i.manager, [{ tenantId: i.tenantId, customerId }]);
    return survivors.get(`${i.tenantId}:${customerId}`) ?? customerId;
  }
}
