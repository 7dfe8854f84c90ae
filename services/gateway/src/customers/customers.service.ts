import { Inject, Injectable } from '@nestjs/common';
import {
  CUSTOMERS_RPC,
  type CreateCustomerCommand,
  type CreateCustomerDto,
  type CreateCustomerResult,
  type CustomerPage,
  type CustomerView,
  type FieldRulesDto,
  type GetCustomerQuery,
  type GroupMembershipCommand,
  type SearchCustomersQueryDto,
  type UpdateCustomerCommand,
  type UpdateCustomerDto,
} from '@kanta/contracts';
import { ProblemError, type JsonText, type RpcClient } from '@kanta/platform';
import type { Caller } from '../auth/auth.decorators';
import { CUSTOMERS_RPC_CLIENT } from '../core/tokens';
import { ConsentsService } from '../consents/consents.service';
import { TenantUsers } from '../identity/tenant-users';
import { HttpResult } from '../http/http-result';
import { checkIdempotencyKey } from '../http/idempotency-key';
import { versionFromIfMatch } from '../http/if-match';

const etagOf = (customer: CustomerView): string => `"${customer.version}"`;

/**
 * The gateway's half of the customers API: the HTTP concerns (headers, station ids the caller
 * may name, status codes) here, everything about customers in the customers service.
 */
@Injectable()
export class CustomersService {
  constructor(
    @Inject(CUSTOMERS_RPC_CLIENT) private readonly rpc: RpcClient,
    private readonly tenantUsers: TenantUsers,
    private readonly consents: ConsentsService,
  ) {}

  async create(
    caller: Caller,
    customer: CreateCustomerDto,
    idempotencyKey: string | undefined,
    allowDuplicate = false,
  ): Promise<HttpResult<CustomerView>> {
    checkIdempotencyKey(idempotencyKey);
    this.checkStations(caller, customer.stationIds);
    await this.checkRegularOf(caller, customer.regularOfUserId);
    await this.consents.checkDecisions(caller.context, customer.consents);
    const result = await this.rpc.send<CreateCustomerResult, CreateCustomerCommand>(
      CUSTOMERS_RPC.create,
      {
        context: caller.context,
        data: {
          customer,
          ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
          ...(allowDuplicate ? { allowDuplicate } : {}),
        },
      },
    );
    return HttpResult.created(
      result.customer,
      result.replayed,
      `/api/v1/customers/${result.customer.id}`,
      etagOf(result.customer),
    );
  }

  async search(caller: Caller, query: SearchCustomersQueryDto): Promise<JsonText<CustomerPage>> {
    this.checkStations(caller, query.stationIds);
    return this.rpc.relay<CustomerPage, SearchCustomersQueryDto>(CUSTOMERS_RPC.search, {
      context: caller.context,
      data: { ...query },
    });
  }

  async get(caller: Caller, id: string): Promise<HttpResult<CustomerView>> {
    const customer = await this.rpc.send<CustomerView, GetCustomerQuery>(CUSTOMERS_RPC.get, {
      context: caller.context,
      data: { id },
    });
    return new HttpResult(customer, 200, { ETag: etagOf(customer) });
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
    const customer = await this.rpc.send<CustomerView, UpdateCustomerCommand>(
      CUSTOMERS_RPC.update,
      {
        context: caller.context,
        data: { id, expectedVersion, patch },
      },
    );
    return new HttpResult(customer, 200, { ETag: etagOf(customer) });
  }

  async setGroupMembership(
    caller: Caller,
    customerId: string,
    groupId: string,
    member: boolean,
  ): Promise<HttpResult<CustomerView>> {
    const customer = await this.rpc.send<CustomerView, GroupMembershipCommand>(
      CUSTOMERS_RPC.setGroupMembership,
      { context: caller.context, data: { customerId, groupId, member } },
    );
    return new HttpResult(customer, 200, { ETag: etagOf(customer) });
  }

  getFieldRules(caller: Caller): Promise<FieldRulesDto> {
    return this.rpc.send<FieldRulesDto, Record<string, never>>(CUSTOMERS_RPC.getFieldRules, {
      context: caller.context,
      data: {},
    });
  }

  putFieldRules(caller: Caller, rules: FieldRulesDto): Promise<FieldRulesDto> {
    return this.rpc.send<FieldRulesDto, FieldRulesDto>(CUSTOMERS_RPC.putFieldRules, {
      context: caller.context,
      data: rules,
    });
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
