import type { OutboxEvent } from '@kanta/messaging';
import type { ConsentsGiven, VisitView } from '@kanta/contracts';
import type { VisitRow, VisitViewRow } from './visits.repository';

export function toVisitView(row: VisitViewRow): VisitView {
  return {
    id: row.id,
    stationId: row.station_id,
    customerId: row.customer_id,
    vehicleId: row.vehicle_id,
    registration: row.registration,
    kind: row.kind,
    scheduledAt: new Date(row.scheduled_at).toISOString(),
    channel: row.channel,
    staffUserId: row.staff_user_id,
    status: row.status,
    cancelReason: row.cancel_reason,
    notes: row.notes,
    specialRequests: row.special_requests,
    prepaid:
      row.prepaid_minor !== null && row.prepaid_currency !== null
        ? { amountMinor: Number(row.prepaid_minor), currency: row.prepaid_currency }
        : null,
    partnerLink: row.partner_link,
    externalId: row.external_id,
    source: row.source,
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export type VisitEventType = 'vehicles.visit.recorded.v1' | 'vehicles.visit.updated.v1';

/** Ids, classification and status: no notes, no requests. */
export function visitEvent(
  type: VisitEventType,
  tenantId: string,
  row: VisitRow,
  correlationId: string | null,
  consents?: ConsentsGiven,
): OutboxEvent<VisitEventType> {
  return {
    type,
    tenantId,
    correlationId,
    payload: {
      visitId: row.id,
      stationId: row.station_id,
      customerId: row.customer_id,
      vehicleId: row.vehicle_id,
      kind: row.kind,
      channel: row.channel,
      status: row.status,
      scheduledAt: new Date(row.scheduled_at).toISOString(),
      version: row.version,
      ...(consents ? { consents } : {}),
    },
  };
}
