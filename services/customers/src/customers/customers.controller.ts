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
import { CustomerCards } from './customer-cards';
import { CustomerCreation } from './creation/customer-creation';
import { CustomerSearch } from './search/customer-search';
import { CustomerUpdate } from './update/customer-update';
import { GroupMembership } from './update/group-membership';
import {
  CreateCustomerCommandDto,
  GetCustomerQueryDto,
  GroupMembershipCommandDto,
  UpdateCustomerCommandDto,
} from './dto/customer-commands.dto';

@Controller()
export class CustomersController {
  constructor(
    private readonly creation: CustomerCreation,
    private readonly cards: CustomerCards,
    private readonly updates: CustomerUpdate,
    private readonly groupMembership: GroupMembership,
    private readonly searches: CustomerSearch,
  ) {}

  @MessagePattern(CUSTOMERS_RPC.create)
  create(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: CreateCustomerCommandDto,
  ): Promise<CreateCustomerResult> {
    return this.creation.create(caller, data.customer, data.idempotencyKey, {
      allowDuplicate: data.allowDuplicate ?? false,
    });
  }

  @MessagePattern(CUSTOMERS_RPC.get)
  get(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: GetCustomerQueryDto,
  ): Promise<CustomerView> {
    return this.cards.get(caller, data.id);
  }

  @MessagePattern(CUSTOMERS_RPC.update)
  update(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: UpdateCustomerCommandDto,
  ): Promise<CustomerView> {
    return this.updates.update(caller, data.id, data.expectedVersion, data.patch);
  }

  @MessagePattern(CUSTOMERS_RPC.setGroupMembership)
  setGroupMembership(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: GroupMembershipCommandDto,
  ): Promise<CustomerView> {
    return this.groupMembership.set(caller, data.customerId, data.groupId, data.member);
  }

  @MessagePattern(CUSTOMERS_RPC.search)
  search(
    @RpcCaller() caller: CallerContext,
    @RpcData() data: SearchCustomersQueryDto,
  ): Promise<CustomerPage> {
    return this.searches.search(caller, data);
  }
}
