import { Controller } from '@nestjs/common';
import {
  VEHICLES,
  type ByIdQuery,
  type CallerContext,
  type CreateVehicleCommand,
  type CustomerPageQuery,
  type CustomerRef,
  type LinkVehicleCommand,
  type SearchVehiclesQueryDto,
  type UnlinkVehicleCommand,
  type UpdateVehicleCommand,
  type VehicleDataExport,
  type VehiclePage,
  type VehicleView,
} from '@kanta/contracts';
import { Handles, type WriteCommand } from '@kanta/platform';
import { VehicleDataExports } from '../export/vehicle-data-export';
import { VehiclesService } from './vehicles.service';

@Controller()
export class VehiclesController {
  constructor(
    private readonly vehicles: VehiclesService,
    private readonly exports: VehicleDataExports,
  ) {}

  @Handles(VEHICLES.createVehicle)
  create(
    caller: CallerContext,
    data: CreateVehicleCommand,
    command: WriteCommand,
  ): Promise<VehicleView> {
    return this.vehicles.create(caller, data.vehicle, command);
  }

  @Handles(VEHICLES.getVehicle)
  get(caller: CallerContext, data: ByIdQuery): Promise<VehicleView> {
    return this.vehicles.get(caller, data.id);
  }

  @Handles(VEHICLES.updateVehicle)
  update(
    caller: CallerContext,
    data: UpdateVehicleCommand,
    command: WriteCommand,
  ): Promise<VehicleView> {
    return this.vehicles.update(caller, data.id, data.expectedVersion, data.patch, command);
  }

  @Handles(VEHICLES.searchVehicles)
  search(caller: CallerContext, data: SearchVehiclesQueryDto): Promise<VehiclePage> {
    return this.vehicles.search(caller, data);
  }

  @Handles(VEHICLES.linkCustomer)
  link(
    caller: CallerContext,
    data: LinkVehicleCommand,
    command: WriteCommand,
  ): Promise<VehicleView> {
    return this.vehicles.link(caller, data.vehicleId, data.link, command);
  }

  @Handles(VEHICLES.unlinkCustomer)
  unlink(
    caller: CallerContext,
    data: UnlinkVehicleCommand,
    command: WriteCommand,
  ): Promise<VehicleView> {
    return this.vehicles.unlink(caller, data.vehicleId, data.customerId, command);
  }

  @Handles(VEHICLES.customerVehicles)
  ofCustomer(caller: CallerContext, data: CustomerPageQuery): Promise<VehiclePage> {
    const { customerId, ...page } = data;
    return this.vehicles.ofCustomer(caller, customerId, page);
  }

  @Handles(VEHICLES.exportCustomer)
  exportCustomer(caller: CallerContext, data: CustomerRef): Promise<VehicleDataExport> {
    return this.exports.export(caller, data.customerId);
  }
}
