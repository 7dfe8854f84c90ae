import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateVehicleDto,
  LinkVehicleCustomerDto,
  SearchVehiclesQueryDto,
  UpdateVehicleDto,
  VEHICLES,
  VehiclePage,
  VehicleView,
} from '@kanta/contracts';
import type { JsonText } from '@kanta/platform';
import {
  customersOfVehicle,
  customersOfVehicles,
  theCustomerSent,
  theRouteParam,
} from '../audit/customer-ids';
import { RecordsAccess } from '../audit/records-access';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { ApiProblems, CUSTOMER_ERASED_OR_MERGED } from '../http/api-problems';
import { ApiCreated, HttpResult } from '../http/http-result';
import { IfMatch, versionFromIfMatch } from '../http/if-match';
import { UuidParam } from '../http/uuid-param';
import { Rpc } from '../core/rpc';
import { IdempotencyKey } from '../http/idempotency-key';

@ApiTags('vehicles')
@ApiBearerAuth()
@TenantScoped()
@Roles('admin', 'worker')
@ApiProblems(401, 503, 504)
@Controller('vehicles')
export class VehiclesController {
  constructor(private readonly rpc: Rpc) {}

  @Post()
  @ApiOperation({
    summary: 'Register a vehicle; the plate is kept as entered and compared normalised',
  })
  @ApiCreated(VehicleView, { replayable: false })
  @ApiProblems([409, 'registration-taken or vin-taken: `errors` names the field'])
  @IdempotencyKey()
  async create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreateVehicleDto,
  ): Promise<HttpResult<VehicleView>> {
    const vehicle = await this.rpc.call(VEHICLES.createVehicle, caller, { vehicle: body });
    return HttpResult.versioned(vehicle, { location: `/api/v1/vehicles/${vehicle.id}` });
  }

  @Get()
  @ApiOperation({
    summary: 'Find vehicles by plate or VIN (or their beginning), typed any way',
    description:
      'Case, spaces and hyphens are ignored; the vehicles found by plate come first, by plate, ' +
      'then those found only by their VIN, by VIN.',
  })
  @ApiOkResponse({ type: VehiclePage })
  @RecordsAccess('search', customersOfVehicles)
  search(
    @CurrentCaller() caller: Caller,
    @Query() query: SearchVehiclesQueryDto,
  ): Promise<JsonText<VehiclePage>> {
    return this.rpc.relay(VEHICLES.searchVehicles, caller, { ...query });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a vehicle with its customers; the ETag is its version' })
  @ApiOkResponse({ type: VehicleView })
  @RecordsAccess('view', customersOfVehicle)
  async get(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
  ): Promise<HttpResult<VehicleView>> {
    return HttpResult.versioned(await this.rpc.call(VEHICLES.getVehicle, caller, { id }));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a vehicle (merge patch; null clears); If-Match required' })
  @ApiConsumes('application/merge-patch+json', 'application/json')
  @ApiBody({ type: UpdateVehicleDto })
  @ApiOkResponse({ type: VehicleView })
  @ApiProblems([409, 'registration-taken or vin-taken: `errors` names the field'])
  @IdempotencyKey()
  async update(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
    @Body() patch: UpdateVehicleDto,
    @IfMatch(true) ifMatch?: string,
  ): Promise<HttpResult<VehicleView>> {
    const expectedVersion = versionFromIfMatch(ifMatch);
    return HttpResult.versioned(
      await this.rpc.call(VEHICLES.updateVehicle, caller, { id, expectedVersion, patch }),
    );
  }

  @Post(':id/customers')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Link a customer to the vehicle as owner or proxy (again: change role or default)',
  })
  @ApiOkResponse({ type: VehicleView })
  @ApiProblems([409, CUSTOMER_ERASED_OR_MERGED])
  @IdempotencyKey()
  @RecordsAccess('edit', theCustomerSent)
  async link(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
    @Body() body: LinkVehicleCustomerDto,
  ): Promise<HttpResult<VehicleView>> {
    return HttpResult.versioned(
      await this.rpc.call(VEHICLES.linkCustomer, caller, { vehicleId: id, link: body }),
    );
  }

  @Delete(':id/customers/:customerId')
  @ApiOperation({ summary: 'Unlink a customer from the vehicle' })
  @ApiOkResponse({ type: VehicleView })
  @IdempotencyKey()
  @RecordsAccess('edit', theRouteParam('customerId'))
  async unlink(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
    @UuidParam('Vehicle link', 'customerId') customerId: string,
  ): Promise<HttpResult<VehicleView>> {
    return HttpResult.versioned(
      await this.rpc.call(VEHICLES.unlinkCustomer, caller, { vehicleId: id, customerId }),
    );
  }
}
