import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CustomerSummaryView,
  PageQueryDto,
  SalePage,
  VEHICLES_RPC,
  VehiclePage,
  VisitPage,
  VisitRangeQueryDto,
  type CustomerPageQuery,
  type CustomerRecordsQuery,
  type CustomerVisitsQuery,
} from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { ApiProblems } from '../http/api-problems';
import { UuidParam } from '../http/uuid-param';
import { VehiclesGateway } from './vehicles-gateway';

/** A customer's vehicles, visits, sales and summary: kept by the vehicles service. */
@ApiTags('customers')
@ApiBearerAuth()
@TenantScoped()
@Roles('admin', 'worker')
@ApiProblems(401, 503, 504)
@Controller('customers/:id')
export class CustomerRecordsController {
  constructor(private readonly vehicles: VehiclesGateway) {}

  @Get('vehicles')
  @ApiOperation({
    summary: "The customer's vehicles by plate, in pages, with every linked customer and role",
  })
  @ApiOkResponse({ type: VehiclePage })
  vehiclesOf(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Query() query: PageQueryDto,
  ): Promise<VehiclePage> {
    return this.vehicles.send<VehiclePage, CustomerPageQuery>(
      VEHICLES_RPC.customerVehicles,
      caller,
      { ...query, customerId: id },
    );
  }

  @Get('visits')
  @ApiOperation({
    summary: "The customer's visits, past and upcoming, by scheduled time (from, to)",
    description: 'A worker sees the visits at their stations.',
  })
  @ApiOkResponse({ type: VisitPage })
  visitsOf(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Query() query: VisitRangeQueryDto,
  ): Promise<VisitPage> {
    return this.vehicles.send<VisitPage, CustomerVisitsQuery>(VEHICLES_RPC.customerVisits, caller, {
      ...query,
      customerId: id,
    });
  }

  @Get('sales')
  @ApiOperation({ summary: "The customer's receipts, newest first" })
  @ApiOkResponse({ type: SalePage })
  salesOf(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Query() query: PageQueryDto,
  ): Promise<SalePage> {
    return this.vehicles.send<SalePage, CustomerPageQuery>(VEHICLES_RPC.customerSales, caller, {
      ...query,
      customerId: id,
    });
  }

  @Get('summary')
  @ApiOperation({
    summary:
      'Spent on services and on products, visits, cancellations, no-shows, first and last visit',
  })
  @ApiOkResponse({ type: CustomerSummaryView })
  summary(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
  ): Promise<CustomerSummaryView> {
    return this.vehicles.send<CustomerSummaryView, CustomerRecordsQuery>(
      VEHICLES_RPC.customerSummary,
      caller,
      { customerId: id },
    );
  }
}
