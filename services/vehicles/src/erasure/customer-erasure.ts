import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { VEHICLE_UNLINKED_V1, isUuid } from '@kanta/contracts';
import {
  ErasureParticipant,
  EventConsumer,
  KnownCustomers,
  Outbox,
  looseEnvelope,
  type ServiceErasure,
} from '@kanta/messaging';
import { VEHICLES_SCHEMA } from '../database/schema';
import { forgetMerges } from '../merge/customer-merge';
import { VehiclesRepository } from '../vehicles/vehicles.repository';
import { vehicleEvent } from '../vehicles/vehicle-view';

/**
 * The vehicles service's part in a customer's erasure (issue #14; ErasureParticipant of
 * libs/messaging runs it in the transaction of the request's inbox row, then deletes the dead
 * letters and published outbox rows naming the customer or one of the partner events returned).
 *
 * Kept: the customer's visits and sales with their business facts (times, stations, kinds,
 * channels, statuses, amounts, lines, references) and their `customer_id`, the link to the erased
 * shell. Cleared: their free text (notes, special requests, cancel reason) and the links to the
 * partner's pages (a booking's link, a receipt's URL), which may name the person. Removed: the
 * customer's vehicle links (the vehicle stays: it may have another owner), and what partner
 * intake keeps of the customer's partner events. The customer is marked erased in
 * `known_customers` at once, before the customers service's event says so: writes naming it are
 * refused from this moment, and the tables' triggers keep text off its rows. A staff write about
 * the customer holds that row (FOR SHARE, CustomerAccess.isErased) until it commits: the mark
 * waits for one that checked before it, and then erases what it wrote with the rest.
 */
@Injectable()
export class CustomerErasure implements OnModuleInit {
  private readonly participant = new ErasureParticipant('vehicles', VEHICLES_SCHEMA);

  constructor(
    private readonly events: EventConsumer,
    private readonly outbox: Outbox,
    private readonly vehicles: VehiclesRepository,
    private readonly known: KnownCustomers,
  ) {}

  onModuleInit(): void {
    this.participant.register(this.events, this.outbox, (manager, tenantId, customerId) =>
      this.erase(manager, tenantId, customerId),
    );
  }

  async erase(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<ServiceErasure> {
    // The customer's row first, then vehicles, visits, sales: the order every staff write takes
    // them in, so that the one waits for the other and neither waits in a circle.
    // First: writes holding the customer's row are waited for, later ones see the mark.
    await this.known.markErased(manager, tenantId, customerId);
    const vehicleLinks = await this.unlinkVehicles(manager, tenantId, customerId);
    const visits = await clearVisits(manager, tenantId, customerId);
    const sales = await clearSales(manager, tenantId, customerId);
    const partner = await erasePartnerEvents(manager, tenantId, customerId);
    const commands = await forgetRequests(manager, tenantId, customerId);
    const merges = await forgetMerges(manager, tenantId, customerId);
    return {
      counts: {
        visits,
        sales,
        vehicleLinks,
        ...partner.counts,
        commands,
        ...merges,
      },
      messageIds: partner.messageIds,
    };
  }

  /**
   * Removes the customer's links (a default link with them) and publishes each vehicle's new
   * state, as an unlink at reception does, so the customers service's plate projection follows.
   */
  private async unlinkVehicles(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<number> {
    const linked = await manager.query<{ vehicle_id: string }[]>(
      `SELECT vehicle_id FROM vehicles.vehicle_customers
        WHERE tenant_id = $1 AND customer_id = $2`,
      [tenantId, customerId],
    );
    if (linked.length === 0) return 0;
    const keys = linked.map((l) => ({ tenantId, id: l.vehicle_id }));
    await this.vehicles.findMany(manager, keys, true);
    const [removed] = await manager.query<[{ vehicle_id: string }[], number]>(
      `DELETE FROM vehicles.vehicle_customers WHERE tenant_id = $1 AND customer_id = $2
       RETURNING vehicle_id`,
      [tenantId, customerId],
    );
    const touched = await this.vehicles.touchMany(
      manager,
      removed.map((r) => ({ tenantId, id: r.vehicle_id })),
    );
    await this.outbox.enqueue(
      manager,
      touched.map((row) => vehicleEvent(VEHICLE_UNLINKED_V1, tenantId, row, null)),
    );
    return removed.length;
  }
}

/** The text of the customer's visits: answers how many had some. */
async function clearVisits(
  manager: EntityManager,
  tenantId: string,
  customerId: string,
): Promise<number> {
  // A new version: an edit read before the erasure is refused (412), not written over it.
  const [, cleared] = await manager.query<[unknown[], number]>(
    `UPDATE vehicles.visits
        SET notes = NULL, special_requests = NULL, cancel_reason = NULL, partner_link = NULL,
            version = version + 1, updated_at = now()
      WHERE tenant_id = $1 AND customer_id = $2
        AND (notes IS NOT NULL OR special_requests IS NOT NULL OR cancel_reason IS NOT NULL
             OR partner_link IS NOT NULL)
      RETURNING id`,
    [tenantId, customerId],
  );
  return cleared;
}

/** The receipts' links to the partner's receipt page (which may show the buyer). */
async function clearSales(
  manager: EntityManager,
  tenantId: string,
  customerId: string,
): Promise<number> {
  const [, cleared] = await manager.query<[unknown[], number]>(
    `UPDATE vehicles.sales SET receipt_url = NULL
      WHERE tenant_id = $1 AND customer_id = $2 AND receipt_url IS NOT NULL
      RETURNING id`,
    [tenantId, customerId],
  );
  return cleared;
}

/**
 * What partner intake keeps of the customer's partner events: the answers about their contact
 * details kept for an event still to come, the waits of the customer's visits for more answers,
 * the vehicles waiting for those answers, and the refused events that name the customer's
 * bookings, work orders or receipts (or the customer). Answers the ids of the partner events
 * that carried the person's contact details and text, as far as this schema can tell them: the
 * events waited for or answered, and the dead letters and refusals of the customer's bookings
 * and receipts (a partner event that was handled leaves no id on the visit it made).
 */
async function erasePartnerEvents(
  manager: EntityManager,
  tenantId: string,
  customerId: string,
): Promise<{ counts: Record<string, number>; messageIds: string[] }> {
  const [resolutions] = await manager.query<[{ partner_event_id: string }[], number]>(
    `DELETE FROM vehicles.contact_resolutions WHERE tenant_id = $1 AND customer_id = $2
     RETURNING partner_event_id`,
    [tenantId, customerId],
  );
  const [waits] = await manager.query<[{ partner_event_id: string }[], number]>(
    `DELETE FROM vehicles.visit_contact_waits w USING vehicles.visits v
      WHERE w.tenant_id = $1 AND v.tenant_id = w.tenant_id AND v.id = w.visit_id
        AND v.customer_id = $2
     RETURNING w.partner_event_id`,
    [tenantId, customerId],
  );
  const refs = await manager.query<{ refs: string[]; receipts: string[]; waiting: string[] }[]>(
    `SELECT
       ARRAY(SELECT external_id FROM vehicles.visits
              WHERE tenant_id = $1 AND customer_id = $2 AND external_id IS NOT NULL
             UNION SELECT booking_ref FROM vehicles.sales
              WHERE tenant_id = $1 AND customer_id = $2 AND booking_ref IS NOT NULL) AS refs,
       ARRAY(SELECT station_id || ' ' || receipt_number FROM vehicles.sales
              WHERE tenant_id = $1 AND customer_id = $2) AS receipts,
       ARRAY(SELECT contact_event_id::text FROM vehicles.sales
              WHERE tenant_id = $1 AND customer_id = $2 AND contact_event_id IS NOT NULL)
         AS waiting`,
    [tenantId, customerId],
  );
  const { refs: bookings, receipts, waiting } = refs[0];
  const events = [
    ...resolutions.map((r) => r.partner_event_id),
    ...waits.map((w) => w.partner_event_id),
    ...waiting,
  ];
  const [, pendingVehicleLinks] = await manager.query<[unknown[], number]>(
    `DELETE FROM vehicles.pending_vehicle_links
      WHERE tenant_id = $1 AND partner_event_id = ANY($2::uuid[])
     RETURNING vehicle_id`,
    [tenantId, events],
  );
  const deadLetters = await deadPartnerEventsOf(manager, tenantId, bookings, receipts);
  const [rejected] = await manager.query<[{ event_id: string | null }[], number]>(
    `DELETE FROM vehicles.rejected_partner_events
      WHERE tenant_id = $1
        AND (event_id = ANY($2::text[])
             OR payload->>'bookingId' = ANY($3::text[])
             OR payload->>'workOrderId' = ANY($3::text[])
             OR (payload->>'stationId') || ' ' || (payload->>'receiptNumber') = ANY($4::text[])
             OR position($5 IN payload::text) > 0)
     RETURNING event_id`,
    [tenantId, [...events, ...deadLetters], bookings, receipts, customerId],
  );
  const messageIds = new Set([
    ...events,
    ...deadLetters,
    ...rejected.flatMap((r) => (r.event_id && isUuid(r.event_id) ? [r.event_id] : [])),
  ]);
  return {
    counts: {
      contactResolutions: resolutions.length,
      contactWaits: waits.length,
      pendingVehicleLinks,
      rejectedPartnerEvents: rejected.length,
    },
    messageIds: [...messageIds],
  };
}

/**
 * The ids of the tenant's dead-lettered partner events about these bookings or work orders
 * (`bookingId`, `workOrderId`) or receipts (station and receipt number): a booking refused or
 * given up on here, sent again and handled, still has its first message, contact details and
 * all, among the dead letters. Dead letters are few; their bodies are read here, not in SQL,
 * because a body need not be JSON.
 */
async function deadPartnerEventsOf(
  manager: EntityManager,
  tenantId: string,
  bookings: string[],
  receipts: string[],
): Promise<string[]> {
  if (bookings.length === 0 && receipts.length === 0) return [];
  const rows = await manager.query<{ event_id: string | null; body: Buffer }[]>(
    `SELECT event_id, body FROM vehicles.dead_letters
      WHERE tenant_id = $1 AND (event_type IS NULL OR event_type LIKE 'partner.%')`,
    [tenantId],
  );
  const refs = new Set(bookings);
  const sold = new Set(receipts);
  return rows.flatMap((row) => {
    const payload = looseEnvelope(row.body)?.payload;
    if (!row.event_id || typeof payload !== 'object' || payload === null) return [];
    const p = payload as Record<string, unknown>;
    const names =
      refs.has(String(p.bookingId)) ||
      refs.has(String(p.workOrderId)) ||
      sold.has(`${String(p.stationId)} ${String(p.receiptNumber)}`);
    return names ? [row.event_id] : [];
  });
}

/**
 * The command log keeps, for each write, a fingerprint of its request: a hash of, among the rest,
 * a visit's notes, against which a guess could be checked. The customer's visits' and receipts'
 * commands lose it (and any stored answer): sent again, such a command answers the record as it
 * is now, as one logged before fingerprints did.
 */
async function forgetRequests(
  manager: EntityManager,
  tenantId: string,
  customerId: string,
): Promise<number> {
  const [, forgotten] = await manager.query<[unknown[], number]>(
    `UPDATE vehicles.commands c SET fingerprint = NULL, answer = NULL
      WHERE c.tenant_id = $1
        AND (c.fingerprint IS NOT NULL OR c.answer IS NOT NULL)
        AND c.result_id IN (SELECT id FROM vehicles.visits WHERE tenant_id = $1 AND customer_id = $2
                            UNION ALL
                            SELECT id FROM vehicles.sales WHERE tenant_id = $1 AND customer_id = $2)
      RETURNING c.command_id`,
    [tenantId, customerId],
  );
  return forgotten;
}
