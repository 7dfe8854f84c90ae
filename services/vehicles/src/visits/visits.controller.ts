import { Controller } from '@nestjs/common';
import {
  VEHICLES,
  type ByIdQuery,
  type CallerContext,
  type CreateSaleCommand,
  type CreateVisitCommand,
  type CreatedVisitResult,
  type CustomerPageQuery,
  type CustomerRef,
  type CustomerSummaryView,
  type CustomerVisitsQuery,
  type ListSalesQueryDto,
  type ListVisitsQueryDto,
  type SalePage,
  type SaleView,
  type UpdateVisitCommand,
  type VisitPage,
  type VisitView,
} from '@kanta/contracts';
import { Handles, type WriteCommand } from '@kanta/platform';
import { SalesService } from '../sales/sales.service';
import { VisitsService } from './visits.service';

@Controller()
export class VisitsController {
  constructor(
    private readonly visits: VisitsService,
    private readonly sales: SalesService,
  ) {}

  @Handles(VEHICLES.createVisit)
  create(
    caller: CallerContext,
    data: CreateVisitCommand,
    command: WriteCommand,
  ): Promise<CreatedVisitResult> {
    return this.visits.create(caller, data.visit, command);
  }

  @Handles(VEHICLES.getVisit)
  get(caller: CallerContext, data: ByIdQuery): Promise<VisitView> {
    return this.visits.get(caller, data.id);
  }

  @Handles(VEHICLES.updateVisit)
  update(
    caller: CallerContext,
    data: UpdateVisitCommand,
    command: WriteCommand,
  ): Promise<VisitView> {
    return this.visits.update(caller, data.id, data.expectedVersion, data.patch, command);
  }

  @Handles(VEHICLES.listVisits)
  list(caller: CallerContext, data: ListVisitsQueryDto): Promise<VisitPage> {
    return this.visits.list(caller, data);
  }

  @Handles(VEHICLES.customerVisits)
  ofCustomer(caller: CallerContext, data: CustomerVisitsQuery): Promise<VisitPage> {
    const { customerId, ...range } = data;
    return this.visits.ofCustomer(caller, customerId, range);
  }

  @Handles(VEHICLES.createSale)
  createSale(
    caller: CallerContext,
    data: CreateSaleCommand,
    command: WriteCommand,
  ): Promise<SaleView> {
    return this.sales.create(caller, data.sale, command);
  }

  @Handles(VEHICLES.getSale)
  getSale(caller: CallerContext, data: ByIdQuery): Promise<SaleView> {
    return this.sales.get(caller, data.id);
  }

  @Handles(VEHICLES.listSales)
  listSales(caller: CallerContext, data: ListSalesQueryDto): Promise<SalePage> {
    return this.sales.list(caller, data);
  }

  @Handles(VEHICLES.customerSales)
  salesOf(caller: CallerContext, data: CustomerPageQuery): Promise<SalePage> {
    const { customerId, ...page } = data;
    return this.sales.ofCustomer(caller, customerId, page);
  }

  @Handles(VEHICLES.customerSummary)
  summary(caller: CallerContext, data: CustomerRef): Promise<CustomerSummaryView> {
    return this.sales.summary(caller, data.customerId);
  }
}
