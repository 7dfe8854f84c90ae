import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { VEHICLE_LINKED_V1, VISIT_UPDATED_V1 } from '@kanta/contracts';
import {
  EventConsumer,
  KnownCustomers,
  MergeParticipant,
  Outbox,
  type MergeRef,
  type ServiceMerge,
} from '@kanta/messaging';
import { VehiclesRepository } from '../vehicles/vehicles.repository';
import { vehicleEvent } from '../vehicles/vehicle-view';
import type { VisitRow } from '../visits/visits.repository';
import { visitEvent } from '../visits/visit-view';

/** What a merge moves here, as `merge_moves.kind` names it. */
type MoveKind = 'vehicle_link' | 'visit' | 'sale';

/** Links of the duplicate left where they are: the survivor had a link to the same vehicle. */
const KEPT_LINKS = 'vehicleLinksKept';

/**
 * The vehicles service's part in a customer merge (issue #14; MergeParticipant of libs/messaging
 * runs it in the transaction of the request's inbox row, after marking the duplicate merged in
 * `known_customers`, and answers with the counts).
 *
 * Moved to the survivor: the duplicate's vehicle links (role and default kept; a vehicle the
 * survivor is linked to already keeps the duplicate's link where it is, counted as
 * `vehicleLinksKept`, since a vehicle has one link per customer), visits (a new version each) and
 * sales. Each moved row is recorded in `merge_moves` (ids only), and the undo moves back exactly
 * the recorded rows that still belong to the survivor: what was added to the survivor since, or
 * moved on by a later merge, stays. The answers about partner events' contact details kept for
 * an event still to come (`contact_resolutions`) stay as they are: whoever takes one follows the
 * merge then (takeAnswers), so an answer about the duplicate goes to the survivor while the
 * merge stands and to the duplicate again after its undo, and the merge takes no lock of theirs.
 * The other waiting rows name no customer.
 *
 * Locks in the eraser's order: the duplicate's `known_customers` row (MergeParticipant marks it
 * first; a staff write naming the duplicate holds it FOR SHARE, CustomerAccess.requireWritable,
 * so the merge waits for one that read it before and moves what it wrote, and one after it is
 * refused with 409 customer-merged), then vehicles, visits, sales.
 *
 * Events: each vehicle whose links moved gets a new version and `vehicles.vehicle.linked.v1`
 * (the whole state: the customers service's plate search follows), each moved visit
 * `vehicles.visit.updated.v1` with its new customer; sales change customer without an event, as
 * they do whenever their visit changes customer.
 */
@Injectable()
export class CustomerMerge implements OnModuleInit {
  private readonly participant: MergeParticipant;

  constructor(
    private readonly events: EventConsumer,
    private readonly outbox: Outbox,
    private readonly vehicles: VehiclesRepository,
    known: KnownCustomers,
  ) {
    this.participant = new MergeParticipant('vehicles', known);
  }

  onModuleInit(): void {
    this.participant.register(this.events, this.outbox, {
      merge: (manager, tenantId, merge) => this.merge(manager, tenantId, merge),
      undo: (manager, tenantId, merge) => this.undo(manager, tenantId, merge),
      recorded: (manager, tenantId, mergeId) => this.recorded(manager, tenantId, mergeId),
    });
  }

  async merge(manager: EntityManager, tenantId: string, merge: MergeRef): Promise<ServiceMerge> {
    const { survivorId, duplicateId } = merge;
    // The same merge asked again (a new request event with its id): done the first time, and
    // perhaps undone since, when the duplicate's history is its own again.
    const first = await manager.query<unknown[]>(
      `INSERT INTO vehicles.customer_merges (tenant_id, merge_id, survivor_id, duplicate_id)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING merge_id`,
      [tenantId, merge.mergeId, survivorId, duplicateId],
    );
    if (first.length === 0) {
      return { counts: { vehicleLinks: 0, [KEPT_LINKS]: 0, visits: 0, sales: 0 } };
    }
    const moves = new Moves(manager, tenantId, merge);
    const vehicleLinks = await this.moveLinks(manager, tenantId, duplicateId, survivorId, moves);
    const [{ kept }] = await manager.query<[{ kept: number }]>(
      `SELECT count(*)::int AS kept FROM vehicles.vehicle_customers
        WHERE tenant_id = $1 AND customer_id = $2`,
      [tenantId, duplicateId],
    );
    const visits = await this.moveVisits(manager, tenantId, duplicateId, survivorId, moves);
    const sales = await moveSales(manager, tenantId, duplicateId, survivorId, moves);
    await moves.record();
    return { counts: { vehicleLinks, [KEPT_LINKS]: kept, visits, sales } };
  }

  /** What `customer_merges` holds of the merge (MergeParticipant asks before it runs either). */
  async recorded(
    manager: EntityManager,
    tenantId: string,
    mergeId: string,
  ): Promise<{ undone: boolean } | null> {
    const [row] = await manager.query<{ undone: boolean }[]>(
      `SELECT undone_at IS NOT NULL AS undone FROM vehicles.customer_merges
        WHERE tenant_id = $1 AND merge_id = $2`,
      [tenantId, mergeId],
    );
    return row ?? null;
  }

  /**
   * Moves back what the merge recorded and still belongs to the survivor, and forgets the
   * record: an undo delivered again, or of a merge this service never saw, moves nothing and
   * answers zeros.
   */
  async undo(manager: EntityManager, tenantId: string, merge: MergeRef): Promise<ServiceMerge> {
    const { survivorId, duplicateId } = merge;
    // The duplicate's row first, as the merge (and the eraser) take it: a staff write naming the
    // duplicate is refused until the undo commits, then names a customer of its own again.
    await manager.query(
      `SELECT 1 FROM vehicles.known_customers WHERE tenant_id = $1 AND customer_id = $2
       FOR UPDATE`,
      [tenantId, duplicateId],
    );
    await manager.query(
      `UPDATE vehicles.customer_merges SET undone_at = now()
        WHERE tenant_id = $1 AND merge_id = $2 AND undone_at IS NULL`,
      [tenantId, merge.mergeId],
    );
    const [recorded] = await manager.query<[{ kind: MoveKind; row_key: string }[], number]>(
      `DELETE FROM vehicles.merge_moves WHERE tenant_id = $1 AND merge_id = $2
       RETURNING kind, row_key`,
      [tenantId, merge.mergeId],
    );
    const keys = (kind: MoveKind): string[] =>
      recorded.filter((r) => r.kind === kind).map((r) => r.row_key);
    const vehicleLinks = await this.moveLinks(
      manager,
      tenantId,
      survivorId,
      duplicateId,
      null,
      keys('vehicle_link'),
    );
    const visits = await this.moveVisits(
      manager,
      tenantId,
      survivorId,
      duplicateId,
      null,
      keys('visit'),
    );
    const sales = await moveSales(manager, tenantId, survivorId, duplicateId, null, keys('sale'));
    return { counts: { vehicleLinks, visits, sales } };
  }

  /**
   * Moves `from`'s links (only those to `vehicles`, when given) to `to`, except to a vehicle
   * `to` is linked to already. The vehicles are locked first, in id order, as a staff link
   * locks its vehicle: a link made meanwhile is waited for and seen.
   */
  private async moveLinks(
    manager: EntityManager,
    tenantId: string,
    from: string,
    to: string,
    moves: Moves | null,
    vehicles?: string[],
  ): Promise<number> {
    const linked = await manager.query<{ vehicle_id: string }[]>(
      `SELECT vehicle_id FROM vehicles.vehicle_customers
        WHERE tenant_id = $1 AND customer_id = $2
          AND ($3::uuid[] IS NULL OR vehicle_id = ANY($3::uuid[]))`,
      [tenantId, from, vehicles ?? null],
    );
    if (linked.length === 0) return 0;
    await this.vehicles.findMany(
      manager,
      linked.map((l) => ({ tenantId, id: l.vehicle_id })),
      true,
    );
    const [moved] = await manager.query<[{ vehicle_id: string }[], number]>(
      `UPDATE vehicles.vehicle_customers l SET customer_id = $3
        WHERE l.tenant_id = $1 AND l.customer_id = $2
          AND ($4::uuid[] IS NULL OR l.vehicle_id = ANY($4::uuid[]))
          AND NOT EXISTS (SELECT 1 FROM vehicles.vehicle_customers o
                           WHERE o.tenant_id = l.tenant_id AND o.vehicle_id = l.vehicle_id
                             AND o.customer_id = $3)
       RETURNING l.vehicle_id`,
      [tenantId, from, to, vehicles ?? null],
    );
    moves?.add(
      'vehicle_link',
      moved.map((m) => m.vehicle_id),
    );
    const touched = await this.vehicles.touchMany(
      manager,
      moved.map((m) => ({ tenantId, id: m.vehicle_id })),
    );
    await this.outbox.enqueue(
      manager,
      touched.map((row) => vehicleEvent(VEHICLE_LINKED_V1, tenantId, row, null)),
    );
    return moved.length;
  }

  /** Moves `from`'s visits (only `ids`, when given) to `to`, each a new version and an event. */
  private async moveVisits(
    manager: EntityManager,
    tenantId: string,
    from: string,
    to: string,
    moves: Moves | null,
    ids?: string[],
  ): Promise<number> {
    // A new version: an edit read before the move is refused (412), not written over it.
    const [moved] = await manager.query<[VisitRow[], number]>(
      `UPDATE vehicles.visits SET customer_id = $3, version = version + 1, updated_at = now()
        WHERE tenant_id = $1 AND customer_id = $2
          AND ($4::uuid[] IS NULL OR id = ANY($4::uuid[]))
       RETURNING *`,
      [tenantId, from, to, ids ?? null],
    );
    moves?.add(
      'visit',
      moved.map((v) => v.id),
    );
    await this.outbox.enqueue(
      manager,
      moved.map((row) => visitEvent(VISIT_UPDATED_V1, tenantId, row, null)),
    );
    return moved.length;
  }
}

async function moveSales(
  manager: EntityManager,
  tenantId: string,
  from: string,
  to: string,
  moves: Moves | null,
  ids?: string[],
): Promise<number> {
  const [moved] = await manager.query<[{ id: string }[], number]>(
    `UPDATE vehicles.sales SET customer_id = $3
      WHERE tenant_id = $1 AND customer_id = $2
        AND ($4::uuid[] IS NULL OR id = ANY($4::uuid[]))
     RETURNING id`,
    [tenantId, from, to, ids ?? null],
  );
  moves?.add(
    'sale',
    moved.map((s) => s.id),
  );
  return moved.length;
}

/** The rows a merge moved, written to `merge_moves` in one statement. */
class Moves {
  private readonly rows: { kind: MoveKind; key: string }[] = [];

  constructor(
    private readonly manager: EntityManager,
    private readonly tenantId: string,
    private readonly merge: MergeRef,
  ) {}

  add(kind: MoveKind, keys: string[]): void {
    for (const key of keys) this.rows.push({ kind, key });
  }

  async record(): Promise<void> {
    if (this.rows.length === 0) return;
    await this.manager.query(
      `INSERT INTO vehicles.merge_moves
         (tenant_id, merge_id, kind, row_key, survivor_id, duplicate_id)
       SELECT $1, $2, k.kind, k.row_key, $3, $4
         FROM unnest($5::text[], $6::uuid[]) AS k(kind, row_key)
       ON CONFLICT DO NOTHING`,
      [
        this.tenantId,
        this.merge.mergeId,
        this.merge.survivorId,
        this.merge.duplicateId,
        this.rows.map((r) => r.kind),
        this.rows.map((r) => r.key),
      ],
    );
  }
}

/**
 * An erasure of either customer of a merge deletes what this service recorded of it (`merge_moves`
 * and `customer_merges`): ids only, but nothing is to point at the person once erased. Answers
 * how many rows of each went.
 */
export async function forgetMerges(
  manager: EntityManager,
  tenantId: string,
  customerId: string,
): Promise<{ mergeMoves: number; customerMerges: number }> {
  const [, mergeMoves] = await manager.query<[unknown[], number]>(
    `DELETE FROM vehicles.merge_moves
      WHERE tenant_id = $1 AND (survivor_id = $2 OR duplicate_id = $2)
     RETURNING merge_id`,
    [tenantId, customerId],
  );
  const [, customerMerges] = await manager.query<[unknown[], number]>(
    `DELETE FROM vehicles.customer_merges
      WHERE tenant_id = $1 AND (survivor_id = $2 OR duplicate_id = $2)
     RETURNING merge_id`,
    [tenantId, customerId],
  );
  return { mergeMoves, customerMerges };
}
