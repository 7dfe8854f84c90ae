import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  SearchVehiclesQueryDto,
  VEHICLES_RPC,
  type CallerContext,
  type VehiclePage,
  type VehicleView,
} from '@kanta/contracts';
import { RpcCaller, RpcData } from '@kanta/platform';
import {
  ByIdQueryDto,
  CreateVehicleCommandDto,
  CustomerPageQueryDto,
  LinkVehicleCommandDto,
  UnlinkVehicleCommandDto,
  UpdateVehicleCommandDto,
} from './vehicle-commands.dto';
import { VehiclesService } from './vehicles.service';

@Controller()
export class VehiclesController {
  constructor(private readonly vehicles: VehiclesService) {}

  @MessagePattern(VEHICLES_RPC.createVehicle)
  create(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CreateVehicleCommandDto,
  ): Promise<VehicleView> {
    return this.vehicles.create(caller, data.vehicle);
  }

  @MessagePattern(VEHICLES_RPC.getVehicle)
  get(@RpcCaller() caller: CallerContext, @RpcData() data: ByIdQueryDto): Promise<VehicleView> {
    return this.vehicles.get(caller, data.id);
  }

  @MessagePattern(VEHICLES_RPC.updateVehicle)
  update(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: UpdateVehicleCommandDto,
  ): Promise<VehicleView> {
    return this.vehicles.update(caller, data.id, data.expectedVersion, data.patch);
  }

  @MessagePattern(VEHICLES_RPC.searchVehicles)
  search(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: SearchVehiclesQueryDto,
  ): Promise<VehiclePage> {
    return this.vehicles.search(caller, data);
  }

  @MessagePattern(VEHICLES_RPC.linkCustomer)
  link(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: LinkVehicleCommandDto,
  ): Promise<VehicleView> {
    return this.vehicles.link(caller, data.vehicleId, data.link);
  }

  @MessagePattern(VEHICLES_RPC.unlinkCustomer)
  unlink(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: UnlinkVehicleCommandDto,
  ): Promise<VehicleView> {
    return this.vehicles.unlink(caller, data.vehicleId, data.customerId);
  }

  @MessagePattern(VEHICLES_RPC.customerVehicles)
  ofCustomer(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CustomerPageQueryDto,
  ): Promise<VehiclePage> {
    const { customerId, ...page } = data;
    return this.vehicles.ofCustomer(caller, customerId, page);
  }
}
