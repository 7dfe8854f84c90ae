import { lockKeys } from '@kanta/database';
import type { EntityManager } from 'typeorm';
import type { VehicleRole } from '@kanta/contracts';
import { survivorsAmong } from '../merge/survivors';
import { lockKey, type Intake } from './intake';

/**
 * The answers that came before these events (the customer their contact details resolved to,
 * or null for nobody), taken from `contact_resolutions`: an event absent from the map waits for
 * its answer, which attaches its customer when it comes. Takes each event's lock first. A
 * customer merged into another since its answer was kept is its survivor now (issue #14): the
 * named customers' rows are held (survivorsAmong) before the event's vehicle and visit locks,
 * so a merge committing meanwhile either waits for the event and moves what it made, or is
 * seen by it.
 */
export async function takeAnswers(
  manager: EntityManager,
  intakes: Intake[],
): Promise<Map<Intake, string | null>> {
  if (intakes.length === 0) return new Map();
  await lockKeys(
    manager,
    intakes.map((i) => lockKey(i, `partner-event:${i.eventId}`)),
  );
  const keys = [intakes.map((i) => i.tenantId), intakes.map((i) => i.eventId)];
  // The customers first, then the answers (deleted as taken): the order an erasure takes them
  // in (the customer's row, then its answers), so neither waits for the other in a circle.
  // Only an erasure deletes an answer meanwhile, and nothing changes one's customer.
  const named = await manager.query<{ tenant_id: string; customer_id: string }[]>(
    `SELECT r.tenant_id, r.customer_id FROM vehicles.contact_resolutions r
       JOIN unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, partner_event_id)
         ON r.tenant_id = k.tenant_id AND r.partner_event_id = k.partner_event_id
      WHERE r.customer_id IS NOT NULL`,
    keys,
  );
  const survivors = await survivorsAmong(
    manager,
    named.map((r) => ({ tenantId: r.tenant_id, customerId: r.customer_id })),
  );
  const [rows] = await manager.query<
    [{ tenant_id: string; partner_event_id: string; customer_id: string | null }[], number]
  >(
    `DELETE FROM vehicles.contact_resolutions r
      USING unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, partner_event_id)
      WHERE r.tenant_id = k.tenant_id AND r.partner_event_id = k.partner_event_id
     RETURNING r.tenant_id, r.partner_event_id, r.customer_id`,
    keys,
  );
  const found = new Map(
    rows.map((r) => [
      `${r.tenant_id}:${r.partner_event_id}`,
      r.customer_id && (survivors.get(`${r.tenant_id}:${r.customer_id}`) ?? r.customer_id),
    ]),
  );
  return new Map(
    intakes.flatMap((i) => {
      const key = `${i.tenantId}:${i.eventId}`;
      return found.has(key) ? [[i, found.get(key)!] as const] : [];
    }),
  );
}

/** One event's answer, as `takeAnswers` gives them: whether it came, and its customer. */
export async function takeAnswer(
  i: Intake,
  hasContact: boolean,
): Promise<{ answered: boolean; customerId: string | null }> {
  if (!hasContact) return { answered: false, customerId: null };
  const answers = await takeAnswers(i.manager, [i]);
  return { answered: answers.has(i), customerId: answers.get(i) ?? null };
}

/** Vehicles whose customer is named by a partner event's answer still to come: linked then. */
export async function parkVehicles(
  manager: EntityManager,
  rows: { i: Intake; vehicleId: string; role: VehicleRole | null }[],
): Promise<void> {
  if (rows.length === 0) return;
  await manager.query(
    `INSERT INTO vehicles.pending_vehicle_links (tenant_id, partner_event_id, vehicle_id, role)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[])
     ON CONFLICT DO NOTHING`,
    [
      rows.map((r) => r.i.tenantId),
      rows.map((r) => r.i.eventId),
      rows.map((r) => r.vehicleId),
      rows.map((r) => r.role),
    ],
  );
}
