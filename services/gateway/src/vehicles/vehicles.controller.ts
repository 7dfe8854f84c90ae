import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
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
  isUuid,
} from '@kanta/contracts';
import { ProblemError, type JsonText } from '@kanta/platform';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { versionFromIfMatch } from '../http/if-match';
import { HttpResult } from '../http/http-result';
import { UuidParam } from '../http/uuid-param';
import { Rpc } from '../core/rpc';

@ApiTags('vehicles')
@ApiBearerAuth()
@TenantScoped()
@Roles('admin', 'worker')
@Controller('vehicles')
export class VehiclesController {
  constructor(private readonly rpc: Rpc) {}

  @Post()
  @ApiOperation({
    summary: 'Register a vehicle; the plate is kept as entered and compared normalised',
  })
  @ApiCreatedResponse({ type: VehicleView, description: 'With Location and ETag' })
  async create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreateVehicleDto,
  ): Promise<HttpResult<VehicleView>> {
    const vehicle = await this.rpc.call(VEHICLES.createVehicle, caller.context, { vehicle: body });
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
  search(
    @CurrentCaller() caller: Caller,
    @Query() query: SearchVehiclesQueryDto,
  ): Promise<JsonText<VehiclePage>> {
    return this.rpc.relay(VEHICLES.searchVehicles, caller.context, { ...query });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a vehicle with its customers; the ETag is its version' })
  @ApiOkResponse({ type: VehicleView })
  async get(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
  ): Promise<HttpResult<VehicleView>> {
    return HttpResult.versioned(await this.rpc.call(VEHICLES.getVehicle, caller.context, { id }));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a vehicle (merge patch; null clears); If-Match required' })
  @ApiConsumes('application/merge-patch+json', 'application/json')
  @ApiBody({ type: UpdateVehicleDto })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag you read, e.g. "3"' })
  @ApiOkResponse({ type: VehicleView })
  async update(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
    @Body() patch: UpdateVehicleDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<HttpResult<VehicleView>> {
    const expectedVersion = versionFromIfMatch(ifMatch);
    return HttpResult.versioned(
      await this.rpc.call(VEHICLES.updateVehicle, caller.context, { id, expectedVersion, patch }),
    );
  }

  @Post(':id/customers')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Link a customer to the vehicle as owner or proxy (again: change role or default)',
  })
  @ApiOkResponse({ type: VehicleView })
  async link(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
    @Body() body: LinkVehicleCustomerDto,
  ): Promise<HttpResult<VehicleView>> {
    return HttpResult.versioned(
      await this.rpc.call(VEHICLES.linkCustomer, caller.context, { vehicleId: id, link: body }),
    );
  }

  @Delete(':id/customers/:customerId')
  @ApiOperation({ summary: 'Unlink a customer from the vehicle' })
  @ApiOkResponse({ type: VehicleView })
  async unlink(
    @CurrentCaller() caller: Caller,
    @UuidParam('Vehicle') id: string,
    @Param('customerId') customerId: string,
  ): Promise<HttpResult<VehicleView>> {
    if (!isUuid(customerId)) throw ProblemError.notFound('Vehicle link');
    return HttpResult.versioned(
      await this.rpc.call(VEHICLES.unlinkCustomer, caller.context, {
        vehicleId: id,
        customerId: customerId.toLowerCase(),
      }),
    );
  }
}
