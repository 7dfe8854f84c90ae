import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { KnownCustomers } from '@kanta/messaging';
import { RpcProblem, customerMerged } from '@kanta/platform';
import { MergesRepository } from './merges.repository';

/**
 * What serializes the privacy operations on a customer: its row in privacy.known_customers,
 * locked FOR UPDATE by a merge (both customers', in id order), an erasure and a deletion request
 * at the start of their transactions, which then check the customer again under the lock. Of a
 * merge and an erasure of the same customer at once, the second waits for the first and sees
 * what it did: one wins, the other is a 409.
 */
@Injectable()
export class CustomerLocks {
  constructor(
    private readonly known: KnownCustomers,
    private readonly merges: MergesRepository,
  ) {}

  /** Locks the customers' rows for the transaction, in id order (two merges cannot deadlock). */
  async lock(manager: EntityManager, tenantId: string, customerIds: string[]): Promise<void> {
    await manager.query(
      `SELECT 1 FROM privacy.known_customers
        WHERE tenant_id = $1 AND customer_id = ANY($2::uuid[])
        ORDER BY customer_id FOR UPDATE`,
      [tenantId, customerIds],
    );
  }

  /**
   * Refuses a customer merged into another (409 customer-merged naming the survivor, the end of
   * the chain) or part of a merge or an undo in progress (409 merge-in-progress). Under the lock.
   */
  async refuseMerged(manager: EntityManager, tenantId: string, customerId: string): Promise<void> {
    const customer = await this.known.find(manager, tenantId, customerId);
    if (customer?.mergedInto) {
      throw customerMerged(await this.known.survivorOf(manager, tenantId, customerId));
    }
    const merge = await this.merges.inProgressOf(manager, tenantId, customerId);
    if (merge) throw mergeInProgress(customerId, merge.id);
  }
}

export function mergeInProgress(customerId: string, mergeId: string): RpcProblem {
  return RpcProblem.conflict(
    'merge-in-progress',
    'Conflict',
    `Customer ${customerId} is part of merge ${mergeId}, which is not complete yet (or is being ` +
      'undone): try again once every service has confirmed it.',
  );
}
