import { Injectable, type OnModuleInit } from '@nestjs/common';
import { IMPORT_VEHICLES_DONE_V1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';

/**
 * The vehicles service's answers to an import's vehicles batches (issue #16): each batch counted
 * once (`import_vehicle_batches`: the answer delivered again, or the same batch answered again
 * under another event id, adds nothing), its refusals added to their rows' errors (field and
 * code), and the import made `committed` when its customers are and this was the last batch
 * outstanding. An answer for an import deleted meanwhile changes nothing.
 */
@Injectable()
export class ImportVehiclesDoneConsumer implements OnModuleInit {
  constructor(private readonly events: EventConsumer) {}

  onModuleInit(): void {
    this.events.on(IMPORT_VEHICLES_DONE_V1, async (e, { manager }) => {
      if (!e.tenantId) return;
      const { importId, batch, created, linked, refused } = e.payload;
      const first = await manager.query<unknown[]>(
        `INSERT INTO customers.import_vehicle_batches (tenant_id, import_id, batch)
         SELECT tenant_id, id, $3 FROM customers.imports WHERE tenant_id = $1 AND id = $2
         ON CONFLICT DO NOTHING RETURNING batch`,
        [e.tenantId, importId, batch],
      );
      if (first.length === 0) return;
      if (refused.length > 0) {
        await manager.query(
          `UPDATE customers.import_rows r
              SET errors = coalesce(r.errors, '[]'::jsonb) || k.errors
             FROM (SELECT x."rowNumber" AS row_number,
                          jsonb_agg(jsonb_build_object('field', x.field, 'reason', x.reason,
                            'message', 'The vehicles service refused the vehicle: '
                                       || x.field || ' ' || x.reason)) AS errors
                     FROM jsonb_to_recordset($3::jsonb)
                       AS x("rowNumber" integer, field text, reason text)
                    GROUP BY x."rowNumber") k
            WHERE r.tenant_id = $1 AND r.import_id = $2 AND r.row_number = k.row_number`,
          [e.tenantId, importId, JSON.stringify(refused)],
        );
      }
      await manager.query(
        `UPDATE customers.imports
            SET vehicle_batches_done = vehicle_batches_done + 1,
                n_vehicles_created = n_vehicles_created + $3,
                n_vehicles_linked = n_vehicles_linked + $4,
                n_vehicles_refused = n_vehicles_refused + $5,
                status = CASE WHEN status = 'committing' AND customers_done_at IS NOT NULL
                               AND vehicle_batches_done + 1 >= vehicle_batches_sent
                              THEN 'committed' ELSE status END,
                committed_at = CASE WHEN status = 'committing' AND customers_done_at IS NOT NULL
                                     AND vehicle_batches_done + 1 >= vehicle_batches_sent
                                    THEN now() ELSE committed_at END
          WHERE tenant_id = $1 AND id = $2`,
        [e.tenantId, importId, created, linked, refused.length],
      );
    });
  }
}
