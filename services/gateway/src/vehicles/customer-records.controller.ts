import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CustomerSummaryView,
  PageQueryDto,
  SalePage,
  VEHICLES,
  VehiclePage,
  VisitPage,
  VisitRangeQueryDto,
} from '@kanta/contracts';
import { theRouteCustomer } from '../audit/customer-ids';
import { RecordsAccess } from '../audit/records-access';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { ApiProblems, READS_FOLLOW_MERGES } from '../http/api-problems';
import { UuidParam } from '../http/uuid-param';
import { Rpc } from '../core/rpc';

/**
 * A customer's vehicles, visits, sales and summary: kept by the vehicles service, which answers a
 * merged customer's with its survivor's. Each answer is part of the card, so recorded as a view
 * of the customer.
 */
@ApiTags('customers')
@ApiBearerAuth()
@TenantScoped()
@Roles('admin', 'worker')
@ApiProblems(401, 503, 504)
@Controller('customers/:id')
export class CustomerRecordsController {
  constructor(private readonly rpc: Rpc) {}

  @Get('vehicles')
  @ApiOperation({
    summary: "The customer's vehicles by plate, in pages, with every linked customer and role",
    description: READS_FOLLOW_MERGES,
  })
  @ApiOkResponse({ type: VehiclePage })
  @RecordsAccess('view', theRouteCustomer)
  vehiclesOf(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Query() query: PageQueryDto,
  ): Promise<VehiclePage> {
    return this.rpc.call(VEHICLES.customerVehicles, caller, { ...query, customerId: id });
  }

  @Get('visits')
  @ApiOperation({
    summary: "The customer's visits, past and upcoming, by scheduled time (from, to)",
    description: `A worker sees the visits at their stations. ${READS_FOLLOW_MERGES}`,
  })
  @ApiOkResponse({ type: VisitPage })
  @RecordsAccess('view', theRouteCustomer)
  visitsOf(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Query() query: VisitRangeQueryDto,
  ): Promise<VisitPage> {
    return this.rpc.call(VEHICLES.customerVisits, caller, {
      ...query,
      customerId: id,
    });
  }

  @Get('sales')
  @ApiOperation({
    summary: "The customer's receipts, newest first",
    description: READS_FOLLOW_MERGES,
  })
  @ApiOkResponse({ type: SalePage })
  @RecordsAccess('view', theRouteCustomer)
  salesOf(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Query() query: PageQueryDto,
  ): Promise<SalePage> {
    return this.rpc.call(VEHICLES.customerSales, caller, {
      ...query,
      customerId: id,
    });
  }

  @Get('summary')
  @ApiOperation({
    summary:
      'Spent on services and on products, visits, cancellations, no-shows, first and last visit',
    description: READS_FOLLOW_MERGES,
  })
  @ApiOkResponse({ type: CustomerSummaryView })
  @RecordsAccess('view', theRouteCustomer)
  summary(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
  ): Promise<CustomerSummaryView> {
    return this.rpc.call(VEHICLES.customerSummary, caller, { customerId: id });
  }
}
