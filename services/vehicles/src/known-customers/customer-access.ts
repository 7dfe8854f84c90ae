import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUuid, type CallerContext } from '@kanta/contracts';
import { EventConsumer, KnownCustomers, type KnownCustomer } from '@kanta/messaging';
import { RpcProblem } from '@kanta/platform';
import { VEHICLES_OPTIONS, type VehiclesAppOptions } from '../app-options';
import { notFound, seesAnyStation } from '../caller-access';

/**
 * Which customers a caller may name and whose records they may see, by the customers this
 * service knows (`known_customers`, learnt from the customers service's events; see
 * KnownCustomers). A write that names a customer needs it known here; a customer created a
 * moment ago may not be yet (its event is milliseconds behind the create), so writes wait a
 * short while (VEHICLES_CUSTOMER_WAIT_MS) for a just-minted id before answering 422.
 */
@Injectable()
export class CustomerAccess implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventConsumer,
    private readonly known: KnownCustomers,
    @Inject(VEHICLES_OPTIONS) private readonly options: VehiclesAppOptions,
  ) {}

  onModuleInit(): void {
    this.known.register(this.events);
  }

  /** The customer if the caller may see it; reads do not wait for a customer not yet known. */
  async visible(
    context: CallerContext,
    tenantId: string,
    id: string,
  ): Promise<KnownCustomer | null> {
    const customer = await this.known.find(this.dataSource, tenantId, id);
    return customer && seesAnyStation(context, customer.stationIds) ? customer : null;
  }

  /** A customer whose records the caller asks for: one they may see, else a 404 for it. */
  async requireVisible(context: CallerContext, tenantId: string, id: string): Promise<void> {
    if (!isUuid(id) || !(await this.visible(context, tenantId, id))) throw notFound('Customer');
  }

  /** Whether the customer is erased (as far as this service has heard). */
  async erased(tenantId: string, id: string): Promise<boolean> {
    return (await this.known.find(this.dataSource, tenantId, id))?.status === 'erased';
  }

  /**
   * A customer a write may reference: known here (waiting for one created a moment ago) and
   * visible to the caller, otherwise a 422 on `field`; and not erased, otherwise a 409: nothing
   * new is recorded for an erased customer (issue #14).
   */
  async require(
    context: CallerContext,
    tenantId: string,
    id: string,
    field = 'customerId',
  ): Promise<KnownCustomer> {
    const customer = await this.known.await(
      this.dataSource,
      tenantId,
      id,
      this.options.customerWaitMs ?? 3000,
    );
    if (customer && seesAnyStation(context, customer.stationIds)) {
      if (customer.status === 'erased') throw customerErased();
      return customer;
    }
    throw RpcProblem.validation([
      { field, reason: 'unknown_customer', message: `${field} is not a customer you can see` },
    ]);
  }
}

/** A write naming an erased customer: its records keep their history, and nothing new. */
export function customerErased(): RpcProblem {
  return RpcProblem.conflict(
    'customer-erased',
    'Conflict',
    'The customer is erased: nothing new can be recorded for them.',
  );
}
