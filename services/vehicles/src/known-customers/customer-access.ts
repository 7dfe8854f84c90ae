import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isUuid, type CallerContext } from '@kanta/contracts';
import { EventConsumer, KnownCustomers, type KnownCustomer } from '@kanta/messaging';
import { RpcProblem, customerErased, customerMerged } from '@kanta/platform';
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

  /**
   * Whose records a read of the customer's answers with, if the caller may see them: the
   * customer's own, or, for a customer merged into another, the survivor's (the end of its chain
   * of merges), which now hold its history; null for a customer the caller may not see.
   */
  async recordsOf(context: CallerContext, tenantId: string, id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const owner = await this.survivorOf(tenantId, id);
    return (await this.visible(context, tenantId, owner)) ? owner : null;
  }

  /** `recordsOf` a customer whose records the caller asks for: a 404 when there are none. */
  async requireVisible(context: CallerContext, tenantId: string, id: string): Promise<string> {
    const owner = await this.recordsOf(context, tenantId, id);
    if (!owner) throw notFound('Customer');
    return owner;
  }

  /** The customer whatever names `id` goes to: itself, or the survivor of its merges. */
  survivorOf(tenantId: string, id: string): Promise<string> {
    return this.known.survivorOf(this.dataSource, tenantId, id);
  }

  /**
   * A customer a write may reference: known here (waiting for one created a moment ago) and
   * visible to the caller, otherwise a 422 on `field`. Whether they are erased is the write's
   * transaction's question (`requireWritable`): asked here, the answer could change before it
   * commits.
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
    if (customer && seesAnyStation(context, customer.stationIds)) return customer;
    throw RpcProblem.validation([
      { field, reason: 'unknown_customer', message: `${field} is not a customer you can see` },
    ]);
  }

  /**
   * Whether the customer is erased, read in the transaction of a write about them and holding
   * their `known_customers` row (FOR SHARE) until it ends. The eraser marks that row first
   * (CustomerErasure: an update, which waits for a share lock and makes one wait): a write that
   * read the row before is waited for, and what it wrote is erased with the rest; a write after
   * the mark waits for the erasure's commit and sees it. Read before any vehicle or visit lock
   * of the write, the order the eraser takes them in (customer, vehicles, visits, sales), so
   * neither waits for the other in a circle. An unknown customer is not erased.
   */
  isErased(manager: EntityManager, tenantId: string, id: string): Promise<boolean> {
    return this.known.isErased(manager, tenantId, id);
  }

  /**
   * Refuses a write naming a customer nothing new may be recorded for (issue #14): an erased
   * one (409 customer-erased), or one merged into another (409 customer-merged naming the
   * survivor, the end of its chain of merges: the write belongs there). Holds the customer's
   * row as `isErased` does, so a merge, which marks that row first (MergeParticipant), waits for
   * a write that read it before and moves what it wrote; a write after the mark waits for the
   * merge's commit and is refused. The one check every write naming a customer goes through.
   */
  async requireWritable(manager: EntityManager, tenantId: string, id: string): Promise<void> {
    if (await this.isErased(manager, tenantId, id)) throw customerErased();
    const survivor = await this.known.survivorOf(manager, tenantId, id);
    if (survivor !== id) throw customerMerged(survivor);
  }
}
