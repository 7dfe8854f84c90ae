import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { uuidv7 } from '@kanta/platform';
import type { VisitChannel, VisitKind, VisitStatus } from '@kanta/contracts';
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
  /** A status the event sets, with the event's time. */
  status: { value: VisitStatus; eventAt: string } | null;
  /** For a visit first heard of through this event: its kind and a provisional time. */
  placeholder: { kind: VisitKind; channel: VisitChannel; at: string };
  customerId: string | null;
  vehicleId: string | null;
  contactEventId: string | null;
  partnerLink: string | null;
}

/**
 * A partner's visit, keyed by its external id, written so that events applied in any order
 * converge: the booking's details come from the booking event whenever it arrives; the schedule
 * and the status each take the value of the latest event that set them (by the partner's
 * occurredAt), so a completion that overtook its booking is not undone by it; the first
 * customer, vehicle and contact known stay.
 */
@Injectable()
export class PartnerVisitsRepository {
  async upsert(
    manager: EntityManager,
    tenantId: string,
    f: PartnerVisitFacts,
  ): Promise<{ row: VisitRow; inserted: boolean }> {
    const b = f.booking;
    const rows = await manager.query<(VisitRow & { inserted: boolean })[]>(
      `INSERT INTO vehicles.visits AS v (tenant_id, id, station_id, customer_id, vehicle_id, kind,
         channel, status, scheduled_at, notes, special_requests, prepaid_minor, prepaid_currency,
         partner_link, external_id, source, contact_event_id, schedule_event_at, status_event_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
       ON CONFLICT (tenant_id, external_id) WHERE external_id IS NOT NULL DO UPDATE SET
         station_id = EXCLUDED.station_id,
         customer_id = coalesce(v.customer_id, EXCLUDED.customer_id),
         vehicle_id = coalesce(v.vehicle_id, EXCLUDED.vehicle_id),
         contact_event_id = coalesce(v.contact_event_id, EXCLUDED.contact_event_id),
         partner_link = coalesce(EXCLUDED.partner_link, v.partner_link),
         kind = CASE WHEN $20 THEN EXCLUDED.kind ELSE v.kind END,
         channel = CASE WHEN $20 THEN EXCLUDED.channel ELSE v.channel END,
         notes = CASE WHEN $20 THEN EXCLUDED.notes ELSE v.notes END,
         special_requests = CASE WHEN $20 THEN EXCLUDED.special_requests ELSE v.special_requests END,
         prepaid_minor = CASE WHEN $20 THEN EXCLUDED.prepaid_minor ELSE v.prepaid_minor END,
         prepaid_currency = CASE WHEN $20 THEN EXCLUDED.prepaid_currency ELSE v.prepaid_currency END,
         scheduled_at = CASE WHEN EXCLUDED.schedule_event_at IS NOT NULL
                              AND (v.schedule_event_at IS NULL OR v.schedule_event_at < EXCLUDED.schedule_event_at)
                             THEN EXCLUDED.scheduled_at ELSE v.scheduled_at END,
         schedule_event_at = greatest(v.schedule_event_at, EXCLUDED.schedule_event_at),
         status = CASE WHEN EXCLUDED.status_event_at IS NOT NULL
                        AND (v.status_event_at IS NULL OR v.status_event_at < EXCLUDED.status_event_at)
                       THEN EXCLUDED.status ELSE v.status END,
         status_event_at = greatest(v.status_event_at, EXCLUDED.status_event_at),
         version = v.version + 1,
         updated_at = now()
       RETURNING ${VISIT_COLUMNS}, (xmax = 0) AS inserted`,
      [
        tenantId,
        uuidv7(),
        f.stationId,
        f.customerId,
        f.vehicleId,
        b?.kind ?? f.placeholder.kind,
        b?.channel ?? f.placeholder.channel,
        f.status?.value ?? 'booked',
        f.schedule?.at ?? f.placeholder.at,
        b?.notes ?? null,
        b?.specialRequests ?? null,
        b?.prepaidMinor ?? null,
        b?.prepaidCurrency ?? null,
        f.partnerLink,
        f.externalId,
        f.source,
        f.contactEventId,
        f.schedule?.eventAt ?? null,
        f.status?.eventAt ?? null,
        b !== null,
      ],
    );
    const { inserted, ...row } = rows[0];
    return { row, inserted };
  }

  /** Sales recorded before their booking arrived get the visit now. */
  async attachWaitingSales(
    manager: EntityManager,
    tenantId: string,
    visit: VisitRow,
  ): Promise<void> {
    await manager.query(
      `UPDATE vehicles.sales SET visit_id = $3
        WHERE tenant_id = $1 AND booking_ref = $2 AND visit_id IS NULL`,
      [tenantId, visit.external_id, visit.id],
    );
  }
}
