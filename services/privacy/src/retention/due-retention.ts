import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { RETENTION_SYSTEM_USER_ID, problemType } from '@kanta/contracts';
import { uniqueViolation } from '@kanta/database';
import { RpcProblem, uuidv7 } from '@kanta/platform';
import { Erasures } from '../erasures/erasures.service';
import { RetentionRepository } from './retention.repository';

/** Customers erased per transaction. */
const BATCH_SIZE = 50;

/**
 * The retention sweep's pass: for each tenant with `retentionYears` on, the customers with no
 * activity since the cutoff are erased through the same saga as an admin's erasure
 * (`Erasures.begin`, reason `retention`, requested by RETENTION_SYSTEM_USER_ID), a batch per
 * transaction, and the run's summary grows in the same transaction as each batch. Their rows are
 * locked and skipped by another instance's sweep, so instances share the work; each records its
 * own run.
 */
@Injectable()
export class DueRetention {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: RetentionRepository,
    private readonly erasures: Erasures,
  ) {}

  /** Every tenant with retention on; answers how many customers' erasures began. */
  async sweep(): Promise<number> {
    let total = 0;
    for (const tenant of await this.repository.tenantsOn(this.dataSource.manager)) {
      total += await this.runFor(tenant.tenantId, tenant.years);
    }
    return total;
  }

  /** One run for one tenant, with its summary; answers how many it erased. */
  async runFor(tenantId: string, years: number): Promise<number> {
    const runId = uuidv7();
    const cutoff = await this.repository.cutoff(this.dataSource.manager, years);
    await this.repository.startRun(this.dataSource.manager, { tenantId, id: runId, years, cutoff });
    let total = 0;
    for (;;) {
      const [locked, erased] = await this.dataSource.transaction(async (manager) => {
        const customers = await this.repository.lockDue(manager, tenantId, cutoff, BATCH_SIZE);
        const erasureIds: string[] = [];
        for (const customerId of customers) {
          const id = await this.erase(manager, tenantId, customerId);
          if (id) erasureIds.push(id);
        }
        await this.repository.addToRun(manager, tenantId, runId, erasureIds);
        return [customers.length, erasureIds.length];
      });
      total += erased;
      if (locked < BATCH_SIZE) break;
    }
    await this.repository.finishRun(this.dataSource.manager, tenantId, runId);
    return total;
  }

  /**
   * Begins the customer's erasure, unless an admin's or a deletion request's began meanwhile:
   * that one stands, and this batch goes on. A customer part of a merge in progress (begin
   * refuses it) waits for a later run.
   */
  private async erase(
    manager: EntityManager,
    tenantId: string,
    customerId: string,
  ): Promise<string | null> {
    await manager.query('SAVEPOINT retention_erasure');
    try {
      const id = await this.erasures.begin(manager, {
        tenantId,
        customerId,
        reason: 'retention',
        requestedBy: RETENTION_SYSTEM_USER_ID,
        correlationId: null,
      });
      await manager.query('RELEASE SAVEPOINT retention_erasure');
      return id;
    } catch (error) {
      const mergeInProgress =
        error instanceof RpcProblem && error.problem.type === problemType('merge-in-progress');
      if (uniqueViolation(error) !== 'erasures_customer_key' && !mergeInProgress) throw error;
      await manager.query('ROLLBACK TO SAVEPOINT retention_erasure');
      return null;
    }
  }
}
