import { lockKeys } from '@kanta/database';
import type { EntityManager } from 'typeorm';
import { Injectable } from '@nestjs/common';
import { VISIT_UPDATED_V1, type ContactResolvedV1, type VehicleRole } from '@kanta/contracts';
import { KnownCustomers, Outbox } from '@kanta/messaging';
import { survivorsAmong } from '../merge/survivors';
import { visitCustomerOf } from '../sales/sales.repository';
import { visitEvent } from '../visits/visit-view';
import { lockKey, type Intake } from './intake';
import { PartnerVehicleLinks } from './partner-vehicle-links';
import { PartnerVisitsRepository, fillSaleCustomers } from './partner-visits.repository';

/**
 * The customers service's answers (`customers.contact.resolved.v1`): which customer a partner
 * event's contact details belong to. An answer that comes before its partner event is kept for
 * it; one that comes after attaches its customer to whatever the event made — vehicles, visits,
 * receipts.
 */
@Injectable()
export class ContactResolution {
  constructor(
    private readonly customers: KnownCustomers,
    private readonly links: PartnerVehicleLinks,
    private readonly visitRows: PartnerVisitsRepository,
    private readonly outbox: Outbox,
  ) {}

  /** The answers, each partner event once, in a few statements for all. */
  async resolve(received: { i: Intake; r: ContactResolvedV1 }[]): Promise<void> {
    if (received.length === 0) return;
    const { manager } = received[0].i;
    await lockKeys(
      manager,
      received.map(({ i, r }) => lockKey(i, `partner-event:${r.partnerEventId}`)),
    );
    const answers = await this.toSurvivors(received);
    const keys = [
      answers.map((a) => a.i.tenantId),
      answers.map((a) => a.r.partnerEventId),
      answers.map((a) => a.r.customerId),
    ];
    // Kept only for a partner event still to come: one handled already (in the inbox, also
    // earlier in this batch, whose handlers run first) takes what it needs here.
    await manager.query(
      `INSERT INTO vehicles.contact_resolutions (tenant_id, partner_event_id, customer_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS k(t, e, c)
        WHERE NOT EXISTS (
          SELECT 1 FROM vehicles.inbox i
           WHERE i.event_id = k.e AND (i.tenant_id = k.t OR i.any_tenant)
        )
       ON CONFLICT DO NOTHING`,
      keys,
    );
    // Vehicles waiting for these answers wait no more: linked below, or to nobody.
    const [pending] = await manager.query<
      [
        {
          tenant_id: string;
          partner_event_id: string;
          vehicle_id: string;
          role: VehicleRole | null;
        }[],
        number,
      ]
    >(
      `DELETE FROM vehicles.pending_vehicle_links p
        USING unnest($1::uuid[], $2::uuid[]) AS k(k_tenant, k_event)
        WHERE p.tenant_id = k.k_tenant AND p.partner_event_id = k.k_event
       RETURNING p.tenant_id, p.partner_event_id, p.vehicle_id, p.role`,
      keys.slice(0, 2),
    );
    const resolved = answers.filter((a) => a.r.customerId !== null);
    // An answer sent before the customer's erasure and delivered after it links no vehicle to
    // the erased customer; its visits and receipts still get it (their text is dropped by the
    // tables' triggers), as the erased customer's business history.
    const erased = await erasedAmong(
      manager,
      resolved.map(({ i, r }) => ({ tenantId: i.tenantId, customerId: r.customerId! })),
    );
    // Vehicles before visits, as every partner handler takes their rows.
    const byEvent = new Map(resolved.map((a) => [`${a.i.tenantId}:${a.r.partnerEventId}`, a]));
    await this.links.linkMany(
      manager,
      pending.flatMap((p) => {
        const answer = byEvent.get(`${p.tenant_id}:${p.partner_event_id}`);
        if (!answer || erased.has(`${p.tenant_id}:${answer.r.customerId}`)) return [];
        const { i, r } = answer;
        return [
          {
            tenantId: i.tenantId,
            vehicleId: p.vehicle_id,
            customerId: r.customerId!,
            correlationId: i.correlationId,
            role: p.role ?? undefined,
          },
        ];
      }),
    );
    const visits = await this.visitRows.answerContacts(
      manager,
      answers.map(({ i, r }) => ({
        tenantId: i.tenantId,
        partnerEventId: r.partnerEventId,
        customerId: r.customerId,
      })),
    );
    await fillSaleCustomers(
      manager,
      visits.map((v) => ({ tenantId: v.tenant_id, visitId: v.id, customerId: v.customer_id })),
    );
    // Receipts waiting for these answers: their own customer, or with nobody their visit's.
    await manager.query(
      `UPDATE vehicles.sales s
          SET customer_id = coalesce(k.k_customer, ${visitCustomerOf('s')}),
              contact_event_id = NULL
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS k(k_tenant, k_event, k_customer)
        WHERE s.tenant_id = k.k_tenant AND s.contact_event_id = k.k_event AND s.customer_id IS NULL`,
      keys,
    );
    await this.outbox.enqueue(
      manager,
      visits.map(({ tenant_id, k_event, ...row }) =>
        visitEvent(
          VISIT_UPDATED_V1,
          tenant_id,
          row,
          byEvent.get(`${tenant_id}:${k_event}`)!.i.correlationId,
        ),
      ),
    );
  }

  /**
   * The answers as they apply now: each customer is known at once (its own created event may
   * still be on its way), and an answer naming a customer merged into another (sent before the
   * merge, or replayed from the dead letters) names the survivor instead (issue #14), also
   * where it is kept for its partner event.
   */
  private async toSurvivors(
    answers: { i: Intake; r: ContactResolvedV1 }[],
  ): Promise<{ i: Intake; r: ContactResolvedV1 }[]> {
    const { manager } = answers[0].i;
    const named = answers.flatMap(({ i, r }) =>
      r.customerId === null ? [] : [{ tenantId: i.tenantId, customerId: r.customerId, r }],
    );
    await this.customers.remember(
      manager,
      named.map(({ tenantId, customerId, r }) => ({
        tenantId,
        facts: { customerId, stationIds: r.stationIds, status: 'active', version: 0 },
      })),
    );
    const survivors = await survivorsAmong(manager, named);
    if (survivors.size === 0) return answers;
    return answers.map(({ i, r }) => {
      const survivor = r.customerId && survivors.get(`${i.tenantId}:${r.customerId}`);
      return survivor ? { i, r: { ...r, customerId: survivor } } : { i, r };
    });
  }
}

/** Which of these customers are erased, as `<tenant>:<customer>`. */
async function erasedAmong(
  manager: EntityManager,
  keys: { tenantId: string; customerId: string }[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await manager.query<{ key: string }[]>(
    `SELECT k.tenant_id || ':' || k.customer_id AS key
       FROM vehicles.known_customers k
       JOIN unnest($1::uuid[], $2::uuid[]) AS a(tenant_id, customer_id)
         ON k.tenant_id = a.tenant_id AND k.customer_id = a.customer_id
      WHERE k.status = 'erased'`,
    [keys.map((k) => k.tenantId), keys.map((k) => k.customerId)],
  );
  return new Set(rows.map((r) => r.key));
}
