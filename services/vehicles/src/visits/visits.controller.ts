import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  ListSalesQueryDto,
  ListVisitsQueryDto,
  VEHICLES_RPC,
  type CallerContext,
  type CreatedVisitResult,
  type CustomerSummaryView,
  type SalePage,
  type SaleView,
  type VisitPage,
  type VisitView,
} from '@kanta/contracts';
import { RpcCaller, RpcData } from '@kanta/platform';
import { SalesService } from '../sales/sales.service';
import {
  ByIdQueryDto,
  CustomerPageQueryDto,
  CustomerRecordsQueryDto,
} from '../vehicles/vehicle-commands.dto';
import {
  CreateSaleCommandDto,
  CreateVisitCommandDto,
  CustomerVisitsQueryDto,
  UpdateVisitCommandDto,
} from './visit-commands.dto';
import { VisitsService } from './visits.service';

@Controller()
export class VisitsController {
  constructor(
    private readonly visits: VisitsService,
    private readonly sales: SalesService,
  ) {}

  @MessagePattern(VEHICLES_RPC.createVisit)
  create(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CreateVisitCommandDto,
  ): Promise<CreatedVisitResult> {
    return this.visits.createOnce(caller, data.visit, data.idempotencyKey);
  }

  @MessagePattern(VEHICLES_RPC.getVisit)
  get(@RpcCaller() caller: CallerContext, @RpcData() data: ByIdQueryDto): Promise<VisitView> {
    return this.visits.get(caller, data.id);
  }

  @MessagePattern(VEHICLES_RPC.updateVisit)
  update(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: UpdateVisitCommandDto,
  ): Promise<VisitView> {
    return this.visits.update(caller, data.id, data.expectedVersion, data.patch);
  }

  @MessagePattern(VEHICLES_RPC.listVisits)
  list(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: ListVisitsQueryDto,
  ): Promise<VisitPage> {
    return this.visits.list(caller, data);
  }

  @MessagePattern(VEHICLES_RPC.customerVisits)
  ofCustomer(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CustomerVisitsQueryDto,
  ): Promise<VisitPage> {
    const { customerId, ...range } = data;
    return this.visits.ofCustomer(caller, customerId, range);
  }

  @MessagePattern(VEHICLES_RPC.createSale)
  createSale(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CreateSaleCommandDto,
  ): Promise<SaleView> {
    return this.sales.create(caller, data.sale);
  }

  @MessagePattern(VEHICLES_RPC.getSale)
  getSale(@RpcCaller() caller: CallerContext, @RpcData() data: ByIdQueryDto): Promise<SaleView> {
    return this.sales.get(caller, data.id);
  }

  @MessagePattern(VEHICLES_RPC.listSales)
  listSales(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: ListSalesQueryDto,
  ): Promise<SalePage> {
    return this.sales.list(caller, data);
  }

  @MessagePattern(VEHICLES_RPC.customerSales)
  salesOf(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CustomerPageQueryDto,
  ): Promise<SalePage> {
    const { customerId, ...page } = data;
    return this.sales.ofCustomer(caller, customerId, page);
  }

  @MessagePattern(VEHICLES_RPC.customerSummary)
  summary(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CustomerRecordsQueryDto,
  ): Promise<CustomerSummaryView> {
    return this.sales.summary(caller, data.customerId);
  }
}
