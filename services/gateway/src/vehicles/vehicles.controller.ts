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
  VEHICLES_RPC,
  VehiclePage,
  VehicleView,
  type GetByIdQuery,
  type LinkVehicleCommand,
  type UnlinkVehicleCommand,
  type UpdateVehicleCommand,
} from '@kanta/contracts';
import type { JsonText } from '@kanta/platform';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { ApiProblems } from '../http/api-problems';
import { ApiCreated, type HttpResult } from '../http/http-result';
import { IfMatch, versionFromIfMatch } from '../http/if-match';
import { UuidParam } from '../http/uuid-param';
import { VehiclesGateway } from './vehicles-gateway';

@ApiTags('vehicles')
@ApiBearerAuth()
@TenantScoped()
@Roles('admin', 'worker')
@ApiProblems(401, 503, 504)
@Controller('vehicles')
export class VehiclesController {
  constructor(private readonly vehicles: VehiclesGateway) {}

  @Post()
  @ApiOperation({
    summary: 'Register a vehicle; the plate is kept as entered and compared normalised',
  })
  @ApiCreated(VehicleView, { replayable: false })
  @ApiProblems([409, 'registration-taken or vin-taken: `errors` names the field'])
  create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreateVehicleDto,
  ): Promise<HttpResult<VehicleView>> {
    return this.vehicles.sendVersioned<VehicleView, { vehicle: CreateVehicleDto }>(
      VEHICLES_RPC.createVehicle,
      caller,
      { vehicle: body },
      '/api/v1/vehicles',
    );
  }

  @Get()
  @ApiOperation({
    summary: 'Find vehicles by plate or VIN (or their beginning), typed any way',
    description:
      'Case, spaces and hyphens are ignored; the vehicles found by plate come first, by plate, ' +
      'then those found only by their VIN, by VIN.',
  })
  @ApiOkResponse({ type: VehiclePage })
  search(
    @CurrentCaller() caller: Caller,
    @Query() query: SearchVehiclesQueryDto,
  ): Promise<JsonText<VehiclePage>> {
    return this.vehicles.relay(VEHICLES_RPC.searchVehicles, caller, { ...query });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a vehicle with its customers; the ETag is its version' })
  @ApiOkResponse({ type: VehicleView })
  get(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
  ): Promise<HttpResult<VehicleView>> {
    return this.vehicles.sendVersioned<VehicleView, GetByIdQuery>(VEHICLES_RPC.getVehicle, caller, {
      id,
    });
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a vehicle (merge patch; null clears); If-Match required' })
  @ApiConsumes('application/merge-patch+json', 'application/json')
  @ApiBody({ type: UpdateVehicleDto })
  @ApiOkResponse({ type: VehicleView })
  @ApiProblems([409, 'registration-taken or vin-taken: `errors` names the field'])
  update(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
    @Body() patch: UpdateVehicleDto,
    @IfMatch(true) ifMatch?: string,
  ): Promise<HttpResult<VehicleView>> {
    const expectedVersion = versionFromIfMatch(ifMatch);
    return this.vehicles.sendVersioned<VehicleView, UpdateVehicleCommand>(
      VEHICLES_RPC.updateVehicle,
      caller,
      { id, expectedVersion, patch },
    );
  }

  @Post(':id/customers')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Link a customer to the vehicle as owner or proxy (again: change role or default)',
  })
  @ApiOkResponse({ type: VehicleView })
  link(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
    @Body() body: LinkVehicleCustomerDto,
  ): Promise<HttpResult<VehicleView>> {
    return this.vehicles.sendVersioned<VehicleView, LinkVehicleCommand>(
      VEHICLES_RPC.linkCustomer,
      caller,
      { vehicleId: id, link: body },
    );
  }

  @Delete(':id/customers/:customerId')
  @ApiOperation({ summary: 'Unlink a customer from the vehicle' })
  @ApiOkResponse({ type: VehicleView })
  unlink(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
    @UuidParam('Vehicle link', 'customerId') customerId: string,
  ): Promise<HttpResult<VehicleView>> {
    return this.vehicles.sendVersioned<VehicleView, UnlinkVehicleCommand>(
      VEHICLES_RPC.unlinkCustomer,
      caller,
      { vehicleId: id, customerId },
    );
  }
}
