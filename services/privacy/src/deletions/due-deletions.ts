import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Erasures } from '../erasures/erasures.service';
import { ErasuresRepository } from '../erasures/erasures.repository';
import { DeletionRequestsRepository, type DeletionRow } from './deletion-requests.repository';

/** Requests erased per sweep transaction. */
const SWEEP_BATCH_SIZE = 50;

export type DueOutcome = 'erased' | 'not-due' | 'nothing-to-do';

/**
 * The one way a deletion request becomes its erasure, for its job and for the sweep alike: the
 * pending, due request is locked, the erasure begins (the same saga as an admin's), and the
 * request is done with it, in one transaction. Whoever gets there first does it; the other finds
 * it done. A customer erased meanwhile by an admin: the request was done by that erasure.
 */
@Injectable()
export class DueDeletions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: DeletionRequestsRepository,
    private readonly erasures: Erasures,
    private readonly erasureRecords: ErasuresRepository,
  ) {}

  /** The job of a request: erased, or not yet due (the job is retried), or nothing to do. */
  async run(tenantId: string, requestId: string): Promise<DueOutcome> {
    const done = await this.dataSource.transaction(async (manager) => {
      const rows = await this.repository.lockDue(manager, { tenantId, id: requestId });
      for (const row of rows) await this.erase(manager, row);
      return rows.length;
    });
    if (done > 0) return 'erased';
    const row = await this.repository.find(this.dataSource.manager, tenantId, requestId);
    return row?.status === 'pending' ? 'not-due' : 'nothing-to-do';
  }

  /** Every pending request whose day has come, in batches; answers how many were erased. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.dataSource.transaction(async (manager) => {
        const rows = await this.repository.lockDue(manager, { limit: SWEEP_BATCH_SIZE });
        for (const row of rows) await this.erase(manager, row);
        return rows.length;
      });
      total += count;
      if (count < SWEEP_BATCH_SIZE) return total;
    }
  }

  private async erase(manager: EntityManager, row: DeletionRow): Promise<void> {
    const earlier = await this.erasureRecords.ofCustomer(manager, row.tenant_id, row.customer_id);
    if (earlier) {
      await this.repository.markDone(manager, row.tenant_id, row.id, earlier.id);
      return;
    }
    // begin() marks the customer's pending request (this one) done with the erasure.
    await this.erasures.begin(manager, {
      tenantId: row.tenant_id,
      customerId: row.customer_id,
      reason: 'deletion_request',
      requestedBy: row.requested_by,
      correlationId: row.correlation_id,
    });
  }
}
