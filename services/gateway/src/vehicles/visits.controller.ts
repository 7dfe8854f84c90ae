import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateSaleDto,
  CreateVisitDto,
  ListSalesQueryDto,
  ListVisitsQueryDto,
  SalePage,
  SaleView,
  UpdateVisitDto,
  VEHICLES,
  VisitPage,
  VisitView,
} from '@kanta/contracts';
import { customersOfItems, itsCustomer } from '../audit/customer-ids';
import { RecordsAccess } from '../audit/records-access';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { ConsentsService } from '../consents/consents.service';
import { Rpc } from '../core/rpc';
import { ApiProblems, CUSTOMER_ERASED_OR_MERGED } from '../http/api-problems';
import { IdempotencyKey } from '../http/idempotency-key';
import { IfMatch, versionFromIfMatch } from '../http/if-match';
import { ApiCreated, HttpResult } from '../http/http-result';
import { UuidParam } from '../http/uuid-param';
import { TenantUsers } from '../identity/tenant-users';

@ApiTags('visits')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Roles('admin', 'worker')
@Controller()
export class VisitsController {
  constructor(
    private readonly rpc: Rpc,
    private readonly tenantUsers: TenantUsers,
    private readonly consents: ConsentsService,
  ) {}

  @Post('visits')
  @ApiOperation({
    summary: 'Record a booking, inspection, work order or appointment at one of your stations',
    description:
      'May carry the consent decisions the customer gave at reception (`consents`, with ' +
      '`customerId`): checked first (422 on consents.decisions.N…, nothing recorded), then ' +
      "recorded in the customer's consent ledger with the visit.",
  })
  @ApiCreated(VisitView, { replayable: true })
  @ApiProblems([
    409,
    'external-id-taken: another visit has this externalId; ' + CUSTOMER_ERASED_OR_MERGED,
  ])
  @IdempotencyKey(
    'the same key with the same request answers the visit it made (200, Idempotent-Replayed: true): a double click books once',
  )
  @RecordsAccess('edit', itsCustomer)
  async create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreateVisitDto,
  ): Promise<HttpResult<VisitView>> {
    if (body.staffUserId) await this.tenantUsers.resolve(caller, 'staffUserId', body.staffUserId);
    // Consents without a customer are the vehicles service's 422 (consents, requires_customer):
    // no consents call for a request that fails anyway.
    if (body.customerId) await this.consents.checkDecisions(caller.context, body.consents);
    const { visit, replayed } = await this.rpc.call(VEHICLES.createVisit, caller, { visit: body });
    return HttpResult.versioned(visit, { location: `/api/v1/visits/${visit.id}`, replayed });
  }

  @Get('visits')
  @ApiOperation({
    summary: 'Visits by scheduled time (from, to, station, customer, vehicle, status, channel)',
    description: 'A worker sees the visits of their stations.',
  })
  @ApiOkResponse({ type: VisitPage })
  @RecordsAccess('search', customersOfItems)
  list(@CurrentCaller() caller: Caller, @Query() query: ListVisitsQueryDto): Promise<VisitPage> {
    return this.rpc.call(VEHICLES.listVisits, caller, { ...query });
  }

  @Get('visits/:id')
  @ApiOperation({ summary: 'Get a visit; the ETag is its version' })
  @ApiOkResponse({ type: VisitView })
  @RecordsAccess('view', itsCustomer)
  async get(
    @CurrentCaller() caller: Caller,
    @UuidParam('Visit') id: string,
  ): Promise<HttpResult<VisitView>> {
    return HttpResult.versioned(await this.rpc.call(VEHICLES.getVisit, caller, { id }));
  }

  @Patch('visits/:id')
  @ApiOperation({
    summary:
      'Complete, cancel or mark a no-show; reschedule; change notes; name the customer, ' +
      'vehicle or partner link (If-Match required)',
  })
  @ApiBody({ type: UpdateVisitDto })
  @ApiOkResponse({ type: VisitView })
  @ApiProblems([409, CUSTOMER_ERASED_OR_MERGED + ' (a status change stays possible)'])
  @IdempotencyKey()
  @RecordsAccess('edit', itsCustomer)
  async update(
    @CurrentCaller() caller: Caller,
    @UuidParam('Visit') id: string,
    @Body() patch: UpdateVisitDto,
    @IfMatch(true) ifMatch?: string,
  ): Promise<HttpResult<VisitView>> {
    const expectedVersion = versionFromIfMatch(ifMatch);
    if (patch.staffUserId) {
      await this.tenantUsers.resolve(caller, 'staffUserId', patch.staffUserId);
    }
    return HttpResult.versioned(
      await this.rpc.call(VEHICLES.updateVisit, caller, { id, expectedVersion, patch }),
    );
  }

  @Post('sales')
  @ApiOperation({
    summary: 'Record a receipt at one of your stations (amounts in minor units, lines must add up)',
  })
  @ApiCreatedResponse({ type: SaleView })
  @ApiProblems([
    409,
    'receipt-taken: the station has a receipt with this number; ' + CUSTOMER_ERASED_OR_MERGED,
  ])
  @IdempotencyKey()
  @RecordsAccess('edit', itsCustomer)
  createSale(@CurrentCaller() caller: Caller, @Body() body: CreateSaleDto): Promise<SaleView> {
    return this.rpc.call(VEHICLES.createSale, caller, { sale: body });
  }

  @Get('sales')
  @ApiOperation({
    summary: 'Receipts, newest first (from, to by time of sale; station, customer, visit)',
    description: 'A worker sees the receipts of their stations.',
  })
  @ApiOkResponse({ type: SalePage })
  @RecordsAccess('search', customersOfItems)
  listSales(@CurrentCaller() caller: Caller, @Query() query: ListSalesQueryDto): Promise<SalePage> {
    return this.rpc.call(VEHICLES.listSales, caller, { ...query });
  }

  @Get('sales/:id')
  @ApiOperation({ summary: 'Get a receipt with its lines' })
  @ApiOkResponse({ type: SaleView })
  @RecordsAccess('view', itsCustomer)
  getSale(@CurrentCaller() caller: Caller, @UuidParam('Sale') id: string): Promise<SaleView> {
    return this.rpc.call(VEHICLES.getSale, caller, { id });
  }
}
