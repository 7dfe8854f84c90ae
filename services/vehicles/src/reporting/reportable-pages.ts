import { Controller } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  VEHICLE_UPDATED_V1,
  VEHICLES,
  VISIT_UPDATED_V1,
  type CallerContext,
  type ReportablePage,
  type ReportablePageQuery,
  type SaleRecordedV1,
  type VehicleStateV1,
  type VisitEventV1,
} from '@kanta/contracts';
import { Handles, reportablePage } from '@kanta/platform';
import { SALE_COLUMNS, type SaleRow } from '../sales/sales.repository';
import { saleEvent } from '../sales/sales.service';
import { VEHICLE_SELECT, type VehicleRow } from '../vehicles/vehicles.repository';
import { vehicleEvent } from '../vehicles/vehicle-view';
import { VISIT_VIEW_COLUMNS, type VisitRow } from '../visits/visits.repository';
import { visitEvent } from '../visits/visit-view';

/**
 * The reporting rebuild's pages (services/reporting/README.md, "Rebuild"): vehicles with their
 * customers, visits and sales as they are now, each as its event's payload (the same functions
 * build both), by id in the caller's tenant. A merged duplicate's visits and sales already name
 * the survivor here. Internal: no gateway route.
 */
@Controller()
export class ReportablePagesController {
  constructor(private readonly dataSource: DataSource) {}

  @Handles(VEHICLES.reportableVehicles)
  vehicles(
    caller: CallerContext,
    data: ReportablePageQuery,
  ): Promise<ReportablePage<VehicleStateV1>> {
    return reportablePage(caller, data, 1, async (tenantId, after, limit) => {
      const rows: VehicleRow[] = await this.page(
        'vehicles',
        VEHICLE_SELECT,
        tenantId,
        after,
        limit,
      );
      return rows.map((row) => ({
        item: vehicleEvent(VEHICLE_UPDATED_V1, tenantId, row, null).payload,
        key: [row.id],
      }));
    });
  }

  @Handles(VEHICLES.reportableVisits)
  visits(caller: CallerContext, data: ReportablePageQuery): Promise<ReportablePage<VisitEventV1>> {
    return reportablePage(caller, data, 1, async (tenantId, after, limit) => {
      const rows: VisitRow[] = await this.page(
        'visits',
        VISIT_VIEW_COLUMNS,
        tenantId,
        after,
        limit,
      );
      return rows.map((row) => ({
        item: visitEvent(VISIT_UPDATED_V1, tenantId, row, null).payload,
        key: [row.id],
      }));
    });
  }

  @Handles(VEHICLES.reportableSales)
  sales(caller: CallerContext, data: ReportablePageQuery): Promise<ReportablePage<SaleRecordedV1>> {
    return reportablePage(caller, data, 1, async (tenantId, after, limit) => {
      const rows: SaleRow[] = await this.page('sales', SALE_COLUMNS, tenantId, after, limit);
      return rows.map((row) => ({
        item: saleEvent(tenantId, row, null).payload,
        key: [row.id],
      }));
    });
  }

  /** Up to `limit + 1` rows of the table after the id, by id (alias `v`). */
  private page<R>(
    table: 'vehicles' | 'visits' | 'sales',
    columns: string,
    tenantId: string,
    after: string[] | null,
    limit: number,
  ): Promise<R[]> {
    return this.dataSource.query(
      `SELECT ${columns} FROM vehicles.${table} v
        WHERE v.tenant_id = $1 AND ($2::uuid IS NULL OR v.id > $2::uuid)
        ORDER BY v.id LIMIT $3`,
      [tenantId, after?.[0] ?? null, limit + 1],
    );
  }
}
