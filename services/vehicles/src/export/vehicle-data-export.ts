import { Injectable } from '@nestjs/common';
import type { CallerContext, VehicleDataExport } from '@kanta/contracts';
import { allPages } from '@kanta/platform';
import { SalesService } from '../sales/sales.service';
import { VehiclesService } from '../vehicles/vehicles.service';
import { VisitsService } from '../visits/visits.service';

/**
 * This service's part of a data hand-over (privacy, issue #14): the customer's vehicles, every
 * visit (notes and special requests included) and every sale with its lines, read through the
 * same paths as the API's customer pages, all pages of each.
 */
@Injectable()
export class VehicleDataExports {
  constructor(
    private readonly vehicles: VehiclesService,
    private readonly visits: VisitsService,
    private readonly sales: SalesService,
  ) {}

  async export(context: CallerContext, customerId: string): Promise<VehicleDataExport> {
    const page = (cursor: string | undefined) => ({ limit: 100, cursor });
    return {
      vehicles: await allPages((cursor) =>
        this.vehicles.ofCustomer(context, customerId, page(cursor)),
      ),
      visits: await allPages((cursor) => this.visits.ofCustomer(context, customerId, page(cursor))),
      sales: await allPages((cursor) => this.sales.ofCustomer(context, customerId, page(cursor))),
    };
  }
}
