import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  EventConsumer,
  MergeParticipant,
  Outbox,
  type CustomerMerger,
  type MergeRef,
  type ServiceMerge,
} from '@kanta/messaging';

/**
 * This service's part in a merge of two customers (`privacy.merge.requested.v1`, MergeParticipant
 * in libs/messaging), in the transaction of the request's inbox.
 *
 * - The duplicate's visits and sales become the survivor's, so the survivor's visit count, last
 *   visit and sales totals (recomputed from the rows whenever read) include them; which ones
 *   moved is remembered in `customer_merges` (ids, never values). While the merge stands, a
 *   visit or sale arriving for the duplicate goes to the survivor too.
 * - The cards need nothing: the customers service's reporting stream tells the duplicate's new
 *   status (`merged`, naming the survivor) and the survivor's taken fields; the consents
 *   service's merge entries and preferences arrive as its events.
 *
 * The undo moves back exactly the visits and sales the merge moved and still with the survivor
 * (what came since stays), and marks the merge undone.
 *
 * Counts: `visits`, `sales`.
 */
@Injectable()
export class CustomerMerges implements OnModuleInit, CustomerMerger {
  constructor(
    private readonly events: EventConsumer,
    private readonly outbox: Outbox,
  ) {}

  onModuleInit(): void {
    new MergeParticipant('reporting', null).register(this.events, this.outbox, this);
  }

  async merge(manager: EntityManager, tenantId: string, merge: MergeRef): Promise<ServiceMerge> {
    const recorded = await manager.query<unknown[]>(
      `INSERT INTO reporting.customer_merges (tenant_id, merge_id, survivor_id, duplicate_id)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING merge_id`,
      [tenantId, merge.mergeId, merge.survivorId, merge.duplicateId],
    );
    // The same merge again (a new request event with its id): done the first time.
    if (recorded.length === 0) return { counts: { visits: 0, sales: 0 } };
    const [visits] = await manager.query<[{ visit_id: string }[], number]>(
      `UPDATE reporting.visits SET customer_id = $3
        WHERE tenant_id = $1 AND customer_id = $2 RETURNING visit_id`,
      [tenantId, merge.duplicateId, merge.survivorId],
    );
    const [sales] = await manager.query<[{ sale_id: string }[], number]>(
      `UPDATE reporting.sales SET customer_id = $3
        WHERE tenant_id = $1 AND customer_id = $2 RETURNING sale_id`,
      [tenantId, merge.duplicateId, merge.survivorId],
    );
    await manager.query(
      `UPDATE reporting.customer_merges SET visit_ids = $3, sale_ids = $4
        WHERE tenant_id = $1 AND merge_id = $2`,
      [tenantId, merge.mergeId, visits.map((v) => v.visit_id), sales.map((s) => s.sale_id)],
    );
    return { counts: { visits: visits.length, sales: sales.length } };
  }

  async undo(manager: EntityManager, tenantId: string, merge: MergeRef): Promise<ServiceMerge> {
    const [rows] = await manager.query<[{ visit_ids: string[]; sale_ids: string[] }[], number]>(
      `UPDATE reporting.customer_merges SET undone_at = now()
        WHERE tenant_id = $1 AND merge_id = $2 AND undone_at IS NULL
        RETURNING visit_ids, sale_ids`,
      [tenantId, merge.mergeId],
    );
    // Never merged here, or undone already: nothing to move back.
    if (rows.length === 0) return { counts: { visits: 0, sales: 0 } };
    const [moved] = rows;
    const [, visits] = await manager.query<[unknown, number]>(
      `UPDATE reporting.visits SET customer_id = $3
        WHERE tenant_id = $1 AND customer_id = $2 AND visit_id = ANY($4::uuid[])`,
      [tenantId, merge.survivorId, merge.duplicateId, moved.visit_ids],
    );
    const [, sales] = await manager.query<[unknown, number]>(
      `UPDATE reporting.sales SET customer_id = $3
        WHERE tenant_id = $1 AND customer_id = $2 AND sale_id = ANY($4::uuid[])`,
      [tenantId, merge.survivorId, merge.duplicateId, moved.sale_ids],
    );
    return { counts: { visits, sales } };
  }
}
