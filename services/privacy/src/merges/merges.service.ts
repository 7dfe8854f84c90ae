import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  MERGE_PARTICIPANTS,
  MERGE_REQUESTED_V1,
  MERGE_UNDO_DAYS,
  MERGE_UNDO_REQUESTED_V1,
  type CallerContext,
  type MergeCustomersCommand,
  type MergeView,
} from '@kanta/contracts';
import { CommandLog, KnownCustomers, Outbox, type KnownCustomer } from '@kanta/messaging';
import {
  RpcProblem,
  customerMerged,
  requireTenant,
  uuidv7,
  type WriteCommand,
} from '@kanta/platform';
import { AccessLogRepository } from '../audit/access-log.repository';
import { DeletionRequestsRepository } from '../deletions/deletion-requests.repository';
import { ErasuresRepository } from '../erasures/erasures.repository';
import { RetentionRepository } from '../retention/retention.repository';
import { CUSTOMER_WAIT_MS } from '../erasures/erasures.service';
import { CustomerLocks } from './customer-locks';
import { MergesRepository } from './merges.repository';

/** How long a merge request waits for the customers service's answer (its conflicts). */
export const MERGE_ANSWER_WAIT_MS = Symbol('MERGE_ANSWER_WAIT_MS');

const POLL_MS = 50;

/**
 * Merges (Timma's "Yhdistä toiseen asiakkaaseen"): checked against what this service knows of
 * both customers, under both customers' locks (CustomerLocks: the lock erasures and deletion
 * requests take too), recorded with one pending confirmation per participant, the duplicate
 * marked merged in this service's projection, and announced by `privacy.merge.requested.v1` in
 * the same transaction. The participants' answers complete it (MergeAnswers); the customers
 * service's answer names the conflicting fields. An undo within MERGE_UNDO_DAYS runs the same
 * way with `privacy.merge.undo.requested.v1`.
 */
@Injectable()
export class Merges {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: MergesRepository,
    private readonly erasures: ErasuresRepository,
    private readonly deletions: DeletionRequestsRepository,
    private readonly locks: CustomerLocks,
    private readonly commands: CommandLog,
    private readonly outbox: Outbox,
    private readonly known: KnownCustomers,
    private readonly accessLog: AccessLogRepository,
    private readonly retention: RetentionRepository,
    @Inject(CUSTOMER_WAIT_MS) private readonly waitMs: number,
    @Inject(MERGE_ANSWER_WAIT_MS) private readonly answerWaitMs: number,
  ) {}

  async request(
    context: CallerContext,
    data: MergeCustomersCommand,
    command: WriteCommand,
  ): Promise<MergeView> {
    const tenantId = requireTenant(context).id;
    const id = await this.commands.once(
      command,
      () => this.requestOnce(context, tenantId, data, command),
      async (earlier) => earlier.resultId as string,
    );
    // After the commit: the customers service usually answers within a moment, with the
    // conflicts the response should carry. Without its answer the merge is answered pending.
    await this.awaitCustomersAnswer(tenantId, id);
    return this.view(tenantId, id);
  }

  private async requestOnce(
    context: CallerContext,
    tenantId: string,
    data: MergeCustomersCommand,
    command: WriteCommand,
  ): Promise<string> {
    const survivor = await this.known.await(
      this.dataSource,
      tenantId,
      data.customerId,
      this.waitMs,
    );
    if (!survivor) {
      throw RpcProblem.notFound('Customer', `Customer ${data.customerId} (to keep) is not known.`);
    }
    const duplicateId = data.merge.duplicateId;
    if (duplicateId === survivor.customerId) {
      throw RpcProblem.validation([
        {
          field: 'duplicateId',
          reason: 'same-customer',
          message: 'duplicateId is the customer itself: a customer cannot be merged into itself',
        },
      ]);
    }
    const duplicate = await this.known.await(this.dataSource, tenantId, duplicateId, this.waitMs);
    if (!duplicate) {
      throw RpcProblem.notFound(
        'Customer',
        `Customer ${duplicateId} (duplicateId, to merge) is not known.`,
      );
    }
    return this.dataSource.transaction(async (manager) => {
      await this.locks.lock(manager, tenantId, [survivor.customerId, duplicate.customerId]);
      for (const customer of [survivor, duplicate]) {
        await this.refuseUnmergeable(manager, tenantId, customer);
      }
      const id = uuidv7();
      const requestedAt = await this.repository.insert(manager, {
        tenantId,
        id,
        survivorId: survivor.customerId,
        duplicateId: duplicate.customerId,
        requestedBy: context.userId,
        correlationId: context.correlationId,
        participants: MERGE_PARTICIPANTS,
      });
      await this.known.markMerged(manager, tenantId, duplicate.customerId, survivor.customerId);
      await this.retention.carryActivity(
        manager,
        tenantId,
        duplicate.customerId,
        survivor.customerId,
      );
      await this.accessLog.insert(manager, tenantId, [
        {
          id: uuidv7(),
          at: requestedAt,
          action: 'merge',
          userId: context.userId,
          role: context.role,
          stationId: context.currentStationId,
          customerIds: [survivor.customerId, duplicate.customerId],
          correlationId: context.correlationId,
        },
      ]);
      await this.outbox.enqueue(manager, [
        {
          type: MERGE_REQUESTED_V1,
          tenantId,
          correlationId: context.correlationId,
          payload: {
            mergeId: id,
            survivorId: survivor.customerId,
            duplicateId: duplicate.customerId,
            requestedAt,
          },
        },
      ]);
      await this.commands.record(manager, command, { id });
      return id;
    });
  }

  /**
   * Under the customer's lock: neither erased (or being erased), nor merged into another, nor
   * part of a merge in progress, nor with a pending deletion request.
   */
  private async refuseUnmergeable(
    manager: EntityManager,
    tenantId: string,
    customer: KnownCustomer,
  ): Promise<void> {
    const id = customer.customerId;
    const erasure = await this.erasures.ofCustomer(manager, tenantId, id);
    const current = await this.known.find(manager, tenantId, id);
    if (erasure || current?.status === 'erased') {
      throw RpcProblem.conflict(
        'customer-erased',
        'Conflict',
        `Customer ${id} is erased` + (erasure ? ` (erasure ${erasure.id}).` : '.'),
      );
    }
    await this.locks.refuseMerged(manager, tenantId, id);
    const deletion = await this.deletions.latestOf(manager, tenantId, id);
    if (deletion?.status === 'pending') {
      throw RpcProblem.conflict(
        'deletion-pending',
        'Conflict',
        `Customer ${id} has a pending deletion request (request ${deletion.id}, due ` +
          `${deletion.due_at.toISOString()}): cancel it first, or let it run.`,
      );
    }
  }

  async get(context: CallerContext, id: string): Promise<MergeView> {
    return this.view(requireTenant(context).id, id);
  }

  /**
   * Undoes a completed merge within MERGE_UNDO_DAYS of its request: the duplicate is a customer
   * of its own again in this service's projection at once, and every participant moves back what
   * the merge moved (`privacy.merge.undo.requested.v1`); the merge is `undoing` until all have
   * confirmed, then `undone`.
   */
  undo(context: CallerContext, id: string, command: WriteCommand): Promise<MergeView> {
    const tenantId = requireTenant(context).id;
    return this.commands.once(
      command,
      () =>
        this.dataSource.transaction(async (manager) => {
          const found = await this.repository.find(manager, tenantId, id);
          if (!found) throw RpcProblem.notFound('Merge');
          // The customers' locks first, the order a merge and an erasure take them in.
          await this.locks.lock(manager, tenantId, [found.survivorId, found.duplicateId]);
          const merge = (await this.repository.find(manager, tenantId, id, true))!;
          if (merge.undoneAt !== null) {
            throw RpcProblem.conflict('merge-undone', 'Conflict', 'The merge was undone already.');
          }
          if (merge.undoRequestedAt !== null) {
            throw RpcProblem.conflict(
              'undo-in-progress',
              'Conflict',
              'The merge is being undone already: its undo completes when every service has ' +
                'confirmed it.',
            );
          }
          if (merge.completedAt === null) {
            throw RpcProblem.conflict(
              'merge-pending',
              'Conflict',
              'The merge is not complete yet: it can be undone once every service has confirmed it.',
            );
          }
          if (merge.undoWindowClosed) {
            throw RpcProblem.conflict(
              'undo-window-closed',
              'Conflict',
              `A merge can be undone within ${MERGE_UNDO_DAYS} days of its request; this one was ` +
                `requested at ${merge.requestedAt}.`,
            );
          }
          // The end of the survivor's chain erased (with the customers merged into it), or
          // either of the two: nothing to give back.
          const end = await this.known.survivorOf(manager, tenantId, merge.survivorId);
          for (const customerId of new Set([merge.survivorId, merge.duplicateId, end])) {
            const erasure = await this.erasures.ofCustomer(manager, tenantId, customerId);
            const known = await this.known.find(manager, tenantId, customerId);
            if (erasure || known?.status === 'erased') {
              throw RpcProblem.conflict(
                'customer-erased',
                'Conflict',
                `Customer ${customerId} is erased, and the customers of the merge with it: ` +
                  'there is nothing to give back.',
              );
            }
          }
          const later = await this.repository.standingAsDuplicate(
            manager,
            tenantId,
            merge.survivorId,
          );
          if (later) {
            throw new RpcProblem({
              ...customerMerged(end).problem,
              detail:
                `The survivor has since been merged into customer ${later.survivorId} (merge ` +
                `${later.id}): undo that merge first.`,
            });
          }
          const requestedAt = await this.repository.requestUndo(
            manager,
            tenantId,
            id,
            context.userId,
            MERGE_PARTICIPANTS,
          );
          await this.known.unmarkMerged(manager, tenantId, merge.duplicateId);
          await this.accessLog.insert(manager, tenantId, [
            {
              id: uuidv7(),
              at: requestedAt,
              action: 'merge',
              userId: context.userId,
              role: context.role,
              stationId: context.currentStationId,
              customerIds: [merge.survivorId, merge.duplicateId],
              correlationId: context.correlationId,
            },
          ]);
          await this.outbox.enqueue(manager, [
            {
              type: MERGE_UNDO_REQUESTED_V1,
              tenantId,
              correlationId: context.correlationId,
              payload: {
                mergeId: id,
                survivorId: merge.survivorId,
                duplicateId: merge.duplicateId,
                requestedAt,
              },
            },
          ]);
          await this.commands.record(manager, command, { id });
          return this.view(tenantId, id, manager);
        }),
      async (earlier) => this.view(tenantId, earlier.resultId as string),
    );
  }

  /**
   * Publishes the pending phase's request again (a new event: the merge's, or its undo's), naming
   * only the participants that have not answered: one whose handler failed for good (its request
   * is among its dead letters) and has been fixed since, or one whose queue was lost. A merge or
   * undo left pending holds both customers (neither can be erased, merged or undone meanwhile):
   * this is how it is finished. The others skip the request (MergeParticipant); one asked twice
   * anyway moves nothing twice, and a second answer is ignored (MergesRepository.confirm).
   */
  retry(context: CallerContext, id: string, command: WriteCommand): Promise<MergeView> {
    const tenantId = requireTenant(context).id;
    return this.commands.once(
      command,
      () =>
        this.dataSource.transaction(async (manager) => {
          const merge = await this.repository.find(manager, tenantId, id, true);
          if (!merge) throw RpcProblem.notFound('Merge');
          if (merge.undoneAt !== null) {
            throw RpcProblem.conflict(
              'merge-undone',
              'Conflict',
              'The merge was undone: every service has confirmed it, there is nothing to retry.',
            );
          }
          if (merge.completedAt !== null && merge.undoRequestedAt === null) {
            throw RpcProblem.conflict(
              'merge-completed',
              'Conflict',
              'Every service has confirmed this merge and no undo is in progress: there is ' +
                'nothing to retry.',
            );
          }
          const undo = merge.completedAt !== null;
          const participants = await this.repository.unanswered(
            manager,
            tenantId,
            id,
            undo ? 'undo' : 'merge',
          );
          const pair = {
            mergeId: id,
            survivorId: merge.survivorId,
            duplicateId: merge.duplicateId,
            participants,
          };
          await this.outbox.enqueue(manager, [
            undo
              ? {
                  type: MERGE_UNDO_REQUESTED_V1,
                  tenantId,
                  correlationId: context.correlationId,
                  payload: { ...pair, requestedAt: merge.undoRequestedAt! },
                }
              : {
                  type: MERGE_REQUESTED_V1,
                  tenantId,
                  correlationId: context.correlationId,
                  payload: { ...pair, requestedAt: merge.requestedAt },
                },
          ]);
          await this.commands.record(manager, command, { id });
          return this.view(tenantId, id, manager);
        }),
      async (earlier) => this.view(tenantId, earlier.resultId as string),
    );
  }

  private async awaitCustomersAnswer(tenantId: string, id: string): Promise<void> {
    const deadline = Date.now() + this.answerWaitMs;
    while (Date.now() + POLL_MS <= deadline) {
      if (await this.repository.confirmedBy(this.dataSource.manager, tenantId, id, 'customers')) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async view(
    tenantId: string,
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<MergeView> {
    const found = await this.repository.view(manager, tenantId, id);
    if (!found) throw RpcProblem.notFound('Merge');
    return found;
  }
}
