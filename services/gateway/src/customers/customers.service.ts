import { Injectable } from '@nestjs/common';
import {
  CUSTOMERS,
  type CreateCustomerDto,
  type CreateCustomerResult,
  type CustomerPage,
  type CustomerView,
  type FieldRulesDto,
  type SearchCustomersQueryDto,
  type UpdateCustomerDto,
} from '@kanta/contracts';
import { ProblemError, type JsonText } from '@kanta/platform';
import { AccessRecorder } from '../audit/access-recorder';
import { candidatesShown, customerIdsOfPage } from '../audit/customer-ids';
import type { Caller } from '../auth/auth.decorators';
import { Rpc } from '../core/rpc';
import { ConsentsService } from '../consents/consents.service';
import { TenantUsers } from '../identity/tenant-users';
import { HttpResult } from '../http/http-result';
import { versionFromIfMatch } from '../http/if-match';

/**
 * The gateway's half of the customers API: the HTTP concerns (headers, station ids the caller
 * may name, status codes) here, everything about customers in the customers service.
 */
@Injectable()
export class CustomersService {
  constructor(
    private readonly rpc: Rpc,
    private readonly tenantUsers: TenantUsers,
    private readonly consents: ConsentsService,
    private readonly access: AccessRecorder,
  ) {}

  async create(
    caller: Caller,
    customer: CreateCustomerDto,
    allowDuplicate = false,
  ): Promise<HttpResult<CustomerView>> {
    this.checkStations(caller, customer.stationIds);
    await this.checkRegularOf(caller, customer.regularOfUserId);
    await this.consents.checkDecisions(caller.context, customer.consents);
    let result: CreateCustomerResult;
    try {
      result = await this.rpc.call(CUSTOMERS.create, caller, {
        customer,
        ...(allowDuplicate ? { allowDuplicate } : {}),
      });
    } catch (error) {
      // The one failure that shows customers: the possible duplicates the caller may see.
      this.access.record(caller.context, 'search', candidatesShown(error));
      throw error;
    }
    this.access.record(caller.context, 'edit', [result.customer.id]);
    return HttpResult.versioned(result.customer, {
      location: `/api/v1/customers/${result.customer.id}`,
      replayed: result.replayed,
    });
  }

  async search(caller: Caller, query: SearchCustomersQueryDto): Promise<JsonText<CustomerPage>> {
    this.checkStations(caller, query.stationIds);
    const page = await this.rpc.relay(CUSTOMERS.search, caller, { ...query });
    this.access.record(caller.context, 'search', customerIdsOfPage(page));
    return page;
  }

  async get(caller: Caller, id: string): Promise<HttpResult<CustomerView>> {
    const customer = await this.rpc.call(CUSTOMERS.get, caller, { id });
    this.access.record(caller.context, 'view', [customer.id]);
    return HttpResult.versioned(customer);
  }

  async update(
    caller: Caller,
    id: string,
    patch: UpdateCustomerDto,
    ifMatch: string | undefined,
  ): Promise<HttpResult<CustomerView>> {
    const expectedVersion = versionFromIfMatch(ifMatch);
    this.checkStations(caller, patch.stationIds);
    await this.checkRegularOf(caller, patch.regularOfUserId);
    const customer = await this.rpc.call(CUSTOMERS.update, caller, { id, expectedVersion, patch });
    this.access.record(caller.context, 'edit', [customer.id]);
    return HttpResult.versioned(customer);
  }

  async setGroupMembership(
    caller: Caller,
    customerId: string,
    groupId: string,
    member: boolean,
  ): Promise<HttpResult<CustomerView>> {
    const customer = await this.rpc.call(CUSTOMERS.setGroupMembership, caller, {
      customerId,
      groupId,
      member,
    });
    this.access.record(caller.context, 'edit', [customer.id]);
    return HttpResult.versioned(customer);
  }

  getFieldRules(caller: Caller): Promise<FieldRulesDto> {
    return this.rpc.call(CUSTOMERS.getFieldRules, caller, {});
  }

  putFieldRules(caller: Caller, rules: FieldRulesDto): Promise<FieldRulesDto> {
    return this.rpc.call(CUSTOMERS.putFieldRules, caller, rules);
  }

  private async checkRegularOf(caller: Caller, userId: string | null | undefined): Promise<void> {
    if (userId) await this.tenantUsers.resolve(caller, 'regularOfUserId', userId);
  }

  /** Station ids a caller names must be their tenant's; whose customers they see is the service's rule. */
  private checkStations(caller: Caller, stationIds: string[] | undefined): void {
    if (!stationIds) return;
    const known = caller.identity.tenantStationIds;
    if (stationIds.some((id) => !known.has(id.toLowerCase()))) {
      throw ProblemError.field(
        'stationIds',
        'unknown_station',
        'stationIds must be stations of your tenant',
      );
    }
  }
}
