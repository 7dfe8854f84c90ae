import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CallerContext } from '@kanta/contracts';
import { EventConsumer, KnownCustomers, type KnownCustomer } from '@kanta/messaging';
import { RpcProblem, canSee, customerErased, customerMerged } from '@kanta/platform';

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
   * The customer whose consents a read about `customerId` answers: itself, or — for a duplicate
   * merged into another — its survivor (the end of the chain), which the caller must be able to
   * see too. The answer's `customerId` says whose they are.
   */
  async requireCurrent(
    context: CallerContext,
    tenantId: string,
    customerId: string,
  ): Promise<KnownCustomer> {
    const found = await this.require(context, tenantId, customerId);
    if (found.mergedInto === null) return found;
    const survivorId = await this.known.survivorOf(this.dataSource, tenantId, customerId);
    return this.require(context, tenantId, survivorId);
  }

  /**
   * Who a decision or preference arriving with an event about `customerId` goes to, read in the
   * handler's transaction: the customer, or the survivor a merge sent it to (KnownCustomers
   * .survivorOf: a partner's late answer, a replayed event); null when that customer is erased
   * (nothing of the person is recorded again). The row is held as `isErased` holds it.
   */
  async recipient(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<string | null> {
    const survivorId = await this.known.survivorOf(manager, tenantId, customerId);
    return (await this.isErased(manager, tenantId, survivorId)) ? null : survivorId;
  }

  /**
   * Whether the customer is erased, read in the transaction of a change about them and holding
   * their row until it ends: an erasure (which marks the row) then either waits for the change,
   * and erases it with the rest, or has committed, and the change sees it.
   */
  isErased(manager: EntityManager, tenantId: string, customerId: string): Promise<boolean> {
    return this.known.isErased(manager, tenantId, customerId);
  }

  /**
   * Refuses a change about an erased customer (409 `customer-erased`; see `isErased`) or about
   * one merged into another (409 `customer-merged` naming the survivor, the end of the chain:
   * the change belongs there). The row held by `isErased` makes a merge marking it wait for the
   * change, or the change see the mark.
   */
  async requireChangeable(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<void> {
    if (await this.isErased(manager, tenantId, customerId)) throw customerErased();
    const survivorId = await this.known.survivorOf(manager, tenantId, customerId);
    if (survivorId !== customerId) throw customerMerged(survivorId);
  }
}
