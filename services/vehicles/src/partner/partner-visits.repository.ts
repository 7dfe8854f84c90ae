import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { uuidv7 } from '@kanta/platform';
import { textOrNull, type VisitChannel, type VisitKind, type VisitStatus } from '@kanta/contracts';
import { millisecondTime } from '../cursor';
import { VISIT_COLUMNS, type VisitRow } from '../visits/visits.repository';

/** What one partner event says about a visit; null parts say nothing. */
export interface PartnerVisitFacts {
  externalId: string;
  stationId: string;
  source: string;
  /** The booking's own details: only `partner.booking.created` has them. */
  booking: {
    kind: VisitKind;
    channel: VisitChannel;
    notes: string | null;
    specialRequests: string | null;
    prepaidMinor: number | null;
    prepaidCurrency: string | null;
  } | null;
  /** A schedule the event sets, with the event's time. */
  schedule: { at: string; eventAt: string } | null;
  /** A status the event sets, with the event's time (and a cancel's reason). */
  status: { value: VisitStatus; eventAt: string; reason: string | null } | null;
  /** For a visit first heard of through this event: its kind and a provisional time. */
  placeholder: { kind: VisitKind; channel: VisitChannel; at: string };
  customerId: string | null;
  vehicleId: string | null;
  /** This event's contact details, whose answer (still to come) may name the customer. */
  contactEventId: string | null;
  partnerLink: string | null;
}

/** One visit to write: the tenant's, as a partner event describes it. */
export interface PartnerVisitWrite {
  tenantId: string;
  facts: PartnerVisitFacts;
}

/**
 * A partner's visit, keyed by its external id, written so that events applied in any order
 * converge: the booking's details come from the booking event whenever it arrives; the schedule
 * and the status each take the value of the latest event that set them (by the partner's
 * occurredAt), so a completion that overtook its booking is not undone by it; the first
 * customer and vehicle known stay. A visit without a customer waits for the answers about every
 * event's contact details that named one (`visit_contact_waits`): the first answer naming a
 * customer gives it to the visit.
 */
@Injectable()
export class PartnerVisitsRepository {
  /**
   * Several visits in one statement per kind (booking details or not), answered in the order
   * given. Each (tenant, external id) at most once: a statement cannot update a row twice.
   */
  async upsertMany(
    manager: EntityManager,
    writes: PartnerVisitWrite[],
  ): Promise<{ row: VisitRow; inserted: boolean }[]> {
    const written = new Map<string, { row: VisitRow; inserted: boolean }>();
    for (const withBooking of [true, false]) {
      const part = writes.filter((w) => (w.facts.booking !== null) === withBooking);
      if (part.length === 0) continue;
      for (const { tenant_id, inserted, ...row } of await upsertStatement(
        manager,
        part,
        withBooking,
      )) {
        written.set(`${tenant_id}:${row.external_id}`, { row, inserted });
      }
    }
    return writes.map((w) => written.get(`${w.tenantId}:${w.facts.externalId}`)!);
  }

  /**
   * Visits still without a customer wait for the answers about the contact details of the events
   * that wrote them; a visit can wait for several (a booking and its online check-in).
   */
  async awaitContacts(
    manager: EntityManager,
    waits: { tenantId: string; partnerEventId: string; visit: VisitRow }[],
  ): Promise<void> {
    const open = waits.filter((w) => w.visit.customer_id === null);
    if (open.length === 0) return;
    await manager.query(
      `INSERT INTO vehicles.visit_contact_waits (tenant_id, partner_event_id, visit_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[])
       ON CONFLICT DO NOTHING`,
      [open.map((w) => w.tenantId), open.map((w) => w.partnerEventId), open.map((w) => w.visit.id)],
    );
  }

  /**
   * The answers about these events' contact details: each ends its event's wait, and one naming a
   * customer gives it to a visit that has none yet. Answers the visits that changed.
   */
  async answerContacts(
    manager: EntityManager,
    answers: { tenantId: string; partnerEventId: string; customerId: string | null }[],
  ): Promise<(VisitRow & { tenant_id: string; k_event: string })[]> {
    const [visits] = await manager.query<
      [(VisitRow & { tenant_id: string; k_event: string })[], number]
    >(
      `WITH answered AS (
         DELETE FROM vehicles.visit_contact_waits w
          USING unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY
                AS k(k_tenant, k_event, k_customer, k_order)
          WHERE w.tenant_id = k.k_tenant AND w.partner_event_id = k.k_event
         RETURNING w.tenant_id AS k_tenant, w.visit_id AS k_visit, k.k_event, k.k_customer,
                   k.k_order
       ), first_named AS (
         -- Two answers for one visit in a batch: the first (in delivery order) naming someone.
         SELECT DISTINCT ON (k_tenant, k_visit) * FROM answered
          WHERE k_customer IS NOT NULL
          ORDER BY k_tenant, k_visit, k_order
       )
       UPDATE vehicles.visits v SET customer_id = a.k_customer, version = v.version + 1,
              updated_at = now()
         FROM first_named a
        WHERE v.tenant_id = a.k_tenant AND v.id = a.k_visit AND v.customer_id IS NULL
        RETURNING ${VISIT_COLUMNS}, v.tenant_id, a.k_event`,
      [
        answers.map((a) => a.tenantId),
        answers.map((a) => a.partnerEventId),
        answers.map((a) => a.customerId),
      ],
    );
    return visits;
  }

  /**
   * Sales recorded before their booking arrived get the visit now, and every sale of these visits
   * that names no customer gets the visit's customer (see fillSaleCustomers).
   */
  async attachWaitingSalesMany(
    manager: EntityManager,
    visits: { tenantId: string; visit: VisitRow }[],
  ): Promise<void> {
    await manager.query(
      `UPDATE vehicles.sales s SET visit_id = v.id
         FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS v(tenant_id, external_id, id)
        WHERE s.tenant_id = v.tenant_id AND s.booking_ref = v.external_id AND s.visit_id IS NULL`,
      [
        visits.map((v) => v.tenantId),
        visits.map((v) => v.visit.external_id),
        visits.map((v) => v.visit.id),
      ],
    );
    await fillSaleCustomers(
      manager,
      visits.map((v) => ({
        tenantId: v.tenantId,
        visitId: v.visit.id,
        customerId: v.visit.customer_id,
      })),
    );
  }
}

function upsertStatement(
  manager: EntityManager,
  writes: PartnerVisitWrite[],
  withBooking: boolean,
): Promise<(VisitRow & { tenant_id: string; inserted: boolean })[]> {
  const column = <T>(value: (f: PartnerVisitFacts) => T): T[] => writes.map((w) => value(w.facts));
  // The booking's own details replace what a placeholder said only when this event has them.
  const booking = (field: string): string => (withBooking ? `EXCLUDED.${field}` : `v.${field}`);
  // This event sets the status, later than the event that set it so far: its status and reason
  // (a cancel sent again without its reason keeps the one said before). A completion and a
  // no-show are settled by what happened, not by time: the customer came (an automatic no-show
  // is sent late), so in either order the visit is completed.
  const statusWins = `EXCLUDED.status_event_at IS NOT NULL AND (
    (v.status = 'no_show' AND EXCLUDED.status = 'completed')
    OR ((v.status_event_at IS NULL OR v.status_event_at < EXCLUDED.status_event_at)
        AND NOT (v.status = 'completed' AND EXCLUDED.status = 'no_show')))`;
  return manager.query(
    `INSERT INTO vehicles.visits AS v (tenant_id, id, station_id, customer_id, vehicle_id, kind,
       channel, status, scheduled_at, notes, special_requests, prepaid_minor, prepaid_currency,
       partner_link, external_id, source, schedule_event_at, status_event_at, cancel_reason)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[],
       $7::text[], $8::text[], $9::timestamptz[], $10::text[], $11::text[], $12::bigint[],
       $13::text[], $14::text[], $15::text[], $16::text[], $17::timestamptz[], $18::timestamptz[],
       $19::text[])
     ON CONFLICT (tenant_id, external_id) WHERE external_id IS NOT NULL DO UPDATE SET
       station_id = EXCLUDED.station_id,
       customer_id = coalesce(v.customer_id, EXCLUDED.customer_id),
       vehicle_id = coalesce(v.vehicle_id, EXCLUDED.vehicle_id),
       partner_link = coalesce(EXCLUDED.partner_link, v.partner_link),
       kind = ${booking('kind')},
       channel = ${booking('channel')},
       notes = ${booking('notes')},
       special_requests = ${booking('special_requests')},
       prepaid_minor = ${booking('prepaid_minor')},
       prepaid_currency = ${booking('prepaid_currency')},
       scheduled_at = CASE WHEN EXCLUDED.schedule_event_at IS NOT NULL
                            AND (v.schedule_event_at IS NULL OR v.schedule_event_at < EXCLUDED.schedule_event_at)
                           THEN EXCLUDED.scheduled_at ELSE v.scheduled_at END,
       schedule_event_at = greatest(v.schedule_event_at, EXCLUDED.schedule_event_at),
       status = CASE WHEN ${statusWins} THEN EXCLUDED.status ELSE v.status END,
       cancel_reason = CASE WHEN ${statusWins}
                            THEN coalesce(EXCLUDED.cancel_reason,
                                          CASE WHEN v.status = EXCLUDED.status THEN v.cancel_reason END)
                            ELSE v.cancel_reason END,
       status_event_at = CASE WHEN ${statusWins} THEN EXCLUDED.status_event_at ELSE v.status_event_at END,
       version = v.version + 1,
       updated_at = now()
     RETURNING ${VISIT_COLUMNS}, tenant_id, (xmax = 0) AS inserted`,
    [
      writes.map((w) => w.tenantId),
      writes.map(() => uuidv7()),
      column((f) => f.stationId),
      column((f) => f.customerId),
      column((f) => f.vehicleId),
      column((f) => f.booking?.kind ?? f.placeholder.kind),
      column((f) => f.booking?.channel ?? f.placeholder.channel),
      column((f) => f.status?.value ?? 'booked'),
      column((f) => millisecondTime(f.schedule?.at ?? f.placeholder.at)),
      column((f) => f.booking?.notes ?? null),
      column((f) => f.booking?.specialRequests ?? null),
      column((f) => f.booking?.prepaidMinor ?? null),
      column((f) => f.booking?.prepaidCurrency ?? null),
      column((f) => f.partnerLink),
      column((f) => f.externalId),
      column((f) => f.source),
      column((f) => f.schedule?.eventAt ?? null),
      column((f) => f.status?.eventAt ?? null),
      column((f) => textOrNull(f.status?.reason)),
    ],
  );
}

/**
 * A sale tied to a visit but to no customer (a receipt that named only the booking) is the
 * visit's customer's: it takes the customer the visit has, so the customer's sales and summary
 * count it. One waiting for the answer about its own contact details waits for that instead.
 */
export async function fillSaleCustomers(
  manager: EntityManager,
  visits: { tenantId: string; visitId: string; customerId: string | null }[],
): Promise<void> {
  const known = visits.filter((v) => v.customerId !== null);
  if (known.length === 0) return;
  await manager.query(
    `UPDATE vehicles.sales s SET customer_id = v.customer_id
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS v(tenant_id, id, customer_id)
      WHERE s.tenant_id = v.tenant_id AND s.visit_id = v.id AND s.customer_id IS NULL
        AND s.contact_event_id IS NULL`,
    [known.map((v) => v.tenantId), known.map((v) => v.visitId), known.map((v) => v.customerId)],
  );
}
