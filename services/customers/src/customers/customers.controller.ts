import { Controller } from '@nestjs/common';
import {
  CUSTOMERS,
  type ByIdQuery,
  type CallerContext,
  type CreateCustomerCommand,
  type CreateCustomerResult,
  type CustomerDataExport,
  type CustomerPage,
  type CustomerRef,
  type CustomerView,
  type GroupMembershipCommand,
  type SearchCustomersQueryDto,
  type UpdateCustomerCommand,
} from '@kanta/contracts';
import { Handles, type WriteCommand } from '@kanta/platform';
import { CustomerCards } from './customer-cards';
import { CustomerDataExports } from './customer-data-export';
import { CustomerCreation } from './creation/customer-creation';
import { CustomerSearch } from './search/customer-search';
import { CustomerUpdate } from './update/customer-update';
import { GroupMembership } from './update/group-membership';

@Controller()
export class CustomersController {
  constructor(
    private readonly creation: CustomerCreation,
    private readonly cards: CustomerCards,
    private readonly updates: CustomerUpdate,
    private readonly groupMembership: GroupMembership,
    private readonly searches: CustomerSearch,
    private readonly exports: CustomerDataExports,
  ) {}

  @Handles(CUSTOMERS.create)
  create(
    caller: CallerContext,
    data: CreateCustomerCommand,
    command: WriteCommand,
  ): Promise<CreateCustomerResult> {
    return this.creation.create(caller, data.customer, command, {
      allowDuplicate: data.allowDuplicate ?? false,
    });
  }

  @Handles(CUSTOMERS.get)
  get(caller: CallerContext, data: ByIdQuery): Promise<CustomerView> {
    return this.cards.get(caller, data.id);
  }

  @Handles(CUSTOMERS.update)
  update(
    caller: CallerContext,
    data: UpdateCustomerCommand,
    command: WriteCommand,
  ): Promise<CustomerView> {
    return this.updates.update(caller, data.id, data.expectedVersion, data.patch, command);
  }

  @Handles(CUSTOMERS.setGroupMembership)
  setGroupMembership(
    caller: CallerContext,
    data: GroupMembershipCommand,
    command: WriteCommand,
  ): Promise<CustomerView> {
    return this.groupMembership.set(caller, data.customerId, data.groupId, data.member, command);
  }

  @Handles(CUSTOMERS.search)
  search(caller: CallerContext, data: SearchCustomersQueryDto): Promise<CustomerPage> {
    return this.searches.search(caller, data);
  }

  @Handles(CUSTOMERS.exportCustomer)
  exportCustomer(caller: CallerContext, data: CustomerRef): Promise<CustomerDataExport> {
    return this.exports.export(caller, data.customerId);
  }
}
