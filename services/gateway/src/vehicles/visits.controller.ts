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
  VEHICLES_RPC,
  VisitPage,
  VisitView,
  type CreatedVisitResult,
  type GetByIdQuery,
  type UpdateVisitCommand,
} from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { ConsentsService } from '../consents/consents.service';
import { ApiProblems } from '../http/api-problems';
import { checkIdempotencyKey, IdempotencyKey } from '../http/idempotency-key';
import { IfMatch, versionFromIfMatch } from '../http/if-match';
import { ApiCreated, HttpResult } from '../http/http-result';
import { UuidParam } from '../http/uuid-param';
import { TenantUsers } from '../identity/tenant-users';
import { VehiclesGateway } from './vehicles-gateway';

@ApiTags('visits')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Roles('admin', 'worker')
@Controller()
export class VisitsController {
  constructor(
    private readonly vehicles: VehiclesGateway,
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
  @ApiProblems([409, 'external-id-taken: another visit has this externalId'])
  async create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreateVisitDto,
    @IdempotencyKey(
      'the same key with the same request answers the visit it made (200, Idempotent-Replayed: true): a double click books once',
    )
    idempotencyKey?: string,
  ): Promise<HttpResult<VisitView>> {
    checkIdempotencyKey(idempotencyKey);
    if (body.staffUserId) await this.tenantUsers.resolve(caller, 'staffUserId', body.staffUserId);
    // Consents without a customer are the vehicles service's 422 (consents, requires_customer):
    // no consents call for a request that fails anyway.
    if (body.customerId) await this.consents.checkDecisions(caller.context, body.consents);
    const { visit, replayed } = await this.vehicles.send<
      CreatedVisitResult,
      { visit: CreateVisitDto; idempotencyKey?: string }
    >(VEHICLES_RPC.createVisit, caller, {
      visit: body,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    });
    return HttpResult.created(visit, replayed, `/api/v1/visits/${visit.id}`, `"${visit.version}"`);
  }

  @Get('visits')
  @ApiOperation({
    summary: 'Visits by scheduled time (from, to, station, customer, vehicle, status, channel)',
    description: 'A worker sees the visits of their stations.',
  })
  @ApiOkResponse({ type: VisitPage })
  list(@CurrentCaller() caller: Caller, @Query() query: ListVisitsQueryDto): Promise<VisitPage> {
    return this.vehicles.send(VEHICLES_RPC.listVisits, caller, { ...query });
  }

  @Get('visits/:id')
  @ApiOperation({ summary: 'Get a visit; the ETag is its version' })
  @ApiOkResponse({ type: VisitView })
  get(
    @CurrentCaller() caller: Caller,
    @UuidParam('Visit') id: string,
  ): Promise<HttpResult<VisitView>> {
    return this.vehicles.sendVersioned<VisitView, GetByIdQuery>(VEHICLES_RPC.getVisit, caller, {
      id,
    });
  }

  @Patch('visits/:id')
  @ApiOperation({
    summary:
      'Complete, cancel or mark a no-show; reschedule; change notes; name the customer, ' +
      'vehicle or partner link (If-Match required)',
  })
  @ApiBody({ type: UpdateVisitDto })
  @ApiOkResponse({ type: VisitView })
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
    return this.vehicles.sendVersioned<VisitView, UpdateVisitCommand>(
      VEHICLES_RPC.updateVisit,
      caller,
      { id, expectedVersion, patch },
    );
  }

  @Post('sales')
  @ApiOperation({
    summary: 'Record a receipt at one of your stations (amounts in minor units, lines must add up)',
  })
  @ApiCreatedResponse({ type: SaleView })
  @ApiProblems([409, 'receipt-taken: the station has a receipt with this number'])
  createSale(@CurrentCaller() caller: Caller, @Body() body: CreateSaleDto): Promise<SaleView> {
    return this.vehicles.send<SaleView, { sale: CreateSaleDto }>(VEHICLES_RPC.createSale, caller, {
      sale: body,
    });
  }

  @Get('sales')
  @ApiOperation({
    summary: 'Receipts, newest first (from, to by time of sale; station, customer, visit)',
    description: 'A worker sees the receipts of their stations.',
  })
  @ApiOkResponse({ type: SalePage })
  listSales(@CurrentCaller() caller: Caller, @Query() query: ListSalesQueryDto): Promise<SalePage> {
    return this.vehicles.send(VEHICLES_RPC.listSales, caller, { ...query });
  }

  @Get('sales/:id')
  @ApiOperation({ summary: 'Get a receipt with its lines' })
  @ApiOkResponse({ type: SaleView })
  getSale(@CurrentCaller() caller: Caller, @UuidParam('Sale') id: string): Promise<SaleView> {
    return this.vehicles.send<SaleView, GetByIdQuery>(VEHICLES_RPC.getSale, caller, { id });
  }
}
