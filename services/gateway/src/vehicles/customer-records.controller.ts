import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { VEHICLES_RPC, VehiclePage, type CustomerRecordsQuery } from '@kanta/contracts';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { UuidParam } from '../http/uuid-param';
import { VehiclesGateway } from './vehicles-gateway';

/** A customer's vehicles, visits, sales and summary: kept by the vehicles service. */
@ApiTags('customers')
@ApiBearerAuth()
@TenantScoped()
@Roles('admin', 'worker')
@Controller('customers/:id')
export class CustomerRecordsController {
  constructor(private readonly vehicles: VehiclesGateway) {}

  @Get('vehicles')
  @ApiOperation({ summary: "The customer's vehicles, with every linked customer and role" })
  @ApiOkResponse({ type: VehiclePage })
  vehiclesOf(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
  ): Promise<VehiclePage> {
    return this.vehicles.send<VehiclePage, CustomerRecordsQuery>(
      VEHICLES_RPC.customerVehicles,
      caller,
      { customerId: id },
    );
  }
}
