import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CallerContext } from '@kanta/contracts';
import { EventConsumer, KnownCustomers, type KnownCustomer } from '@kanta/messaging';
import { RpcProblem, canSee, customerErased } from '@kanta/platform';

export const CUSTOMER_WAIT_MS = Symbol('CUSTOMER_WAIT_MS');

/**
 * The customers this service knows (`known_customers`, learnt from the customers service's
 * events; see KnownCustomers): which exist, their stations, whether an e-mail address and a
 * phone number are on file — never the values. A customer created a moment ago may not have
 * arrived yet: a call about a just-minted id nobody knows waits up to CONSENTS_CUSTOMER_WAIT_MS
 * for it before answering 404; every other unknown id answers at once.
 */
@Injectable()
export class CustomerDirectory implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventConsumer,
    private readonly known: KnownCustomers,
    @Inject(CUSTOMER_WAIT_MS) private readonly waitMs: number,
  ) {}

  onModuleInit(): void {
    this.known.register(this.events);
  }

  /** The customer, if the caller may see it; 404 otherwise (another tenant's, another station's). */
  async require(
    context: CallerContext,
    tenantId: string,
    customerId: string,
  ): Promise<KnownCustomer> {
    const found = await this.known.await(this.dataSource, tenantId, customerId, this.waitMs);
    if (!found || !canSee(context, found.stationIds)) throw RpcProblem.notFound('Customer');
    return found;
  }

  /**
   * Whether the customer is erased, read in the transaction of a change about them and holding
   * their row until it ends: an erasure (which marks the row) then either waits for the change,
   * and erases it with the rest, or has committed, and the change sees it.
   */
  isErased(manager: EntityManager, tenantId: string, customerId: string): Promise<boolean> {
    return this.known.isErased(manager, tenantId, customerId);
  }

  /** Refuses a change about an erased customer (409 `customer-erased`); see `isErased`. */
  async requireChangeable(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<void> {
    if (await this.isErased(manager, tenantId, customerId)) throw customerErased();
  }
}
