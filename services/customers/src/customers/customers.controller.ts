import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  CUSTOMERS_RPC,
  SearchCustomersQueryDto,
  type CallerContext,
  type CreateCustomerResult,
  type CustomerPage,
  type CustomerView,
} from '@kanta/contracts';
import { RpcCaller, RpcData } from '@kanta/platform';
import { CustomersService } from './customers.service';
import {
  CreateCustomerCommandDto,
  GetCustomerQueryDto,
  GroupMembershipCommandDto,
  UpdateCustomerCommandDto,
} from './dto/customer-commands.dto';

@Controller()
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @MessagePattern(CUSTOMERS_RPC.create)
  create(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CreateCustomerCommandDto,
  ): Promise<CreateCustomerResult> {
    return this.customers.create(caller, data.customer, data.idempotencyKey, {
      allowDuplicate: data.allowDuplicate ?? false,
    });
  }

  @MessagePattern(CUSTOMERS_RPC.get)
  get(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: GetCustomerQueryDto,
  ): Promise<CustomerView> {
    return this.customers.get(caller, data.id);
  }

  @MessagePattern(CUSTOMERS_RPC.update)
  update(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: UpdateCustomerCommandDto,
  ): Promise<CustomerView> {
    return this.customers.update(caller, data.id, data.expectedVersion, data.patch);
  }

  @MessagePattern(CUSTOMERS_RPC.setGroupMembership)
  setGroupMembership(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: GroupMembershipCommandDto,
  ): Promise<CustomerView> {
    return this.customers.setGroupMembership(caller, data.customerId, data.groupId, data.member);
  }

  @MessagePattern(CUSTOMERS_RPC.search)
  search(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: SearchCustomersQueryDto,
  ): Promise<CustomerPage> {
    return this.customers.search(caller, data);
  }
}
