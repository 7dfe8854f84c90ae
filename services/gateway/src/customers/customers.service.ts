import { Injectable } from '@nestjs/common';
import {
  CUSTOMERS,
  type CreateCustomerDto,
  type CustomerPage,
  type CustomerView,
  type FieldRulesDto,
  type SearchCustomersQueryDto,
  type UpdateCustomerDto,
} from '@kanta/contracts';
import { ProblemError, type JsonText } from '@kanta/platform';
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
  ) {}

  async create(
    caller: Caller,
    customer: CreateCustomerDto,
    allowDuplicate = false,
  ): Promise<HttpResult<CustomerView>> {
    this.checkStations(caller, customer.stationIds);
    await this.checkRegularOf(caller, customer.regularOfUserId);
    await this.consents.checkDecisions(caller.context, customer.consents);
    const result = await this.rpc.call(CUSTOMERS.create, caller, {
      customer,
      ...(allowDuplicate ? { allowDuplicate } : {}),
    });
    return HttpResult.versioned(result.customer, {
      location: `/api/v1/customers/${result.customer.id}`,
      replayed: result.replayed,
    });
  }

  async search(caller: Caller, query: SearchCustomersQueryDto): Promise<JsonText<CustomerPage>> {
    this.checkStations(caller, query.stationIds);
    return this.rpc.relay(CUSTOMERS.search, caller, { ...query });
  }

  async get(caller: Caller, id: string): Promise<HttpResult<CustomerView>> {
    return HttpResult.versioned(await this.rpc.call(CUSTOMERS.get, caller, { id }));
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
    return HttpResult.versioned(
      await this.rpc.call(CUSTOMERS.update, caller, { id, expectedVersion, patch }),
    );
  }

  async setGroupMembership(
    caller: Caller,
    customerId: string,
    groupId: string,
    member: boolean,
  ): Promise<HttpResult<CustomerView>> {
    return HttpResult.versioned(
      await this.rpc.call(CUSTOMERS.setGroupMembership, caller, {
        customerId,
        groupId,
        member,
      }),
    );
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
