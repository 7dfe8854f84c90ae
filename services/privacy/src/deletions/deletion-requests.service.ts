import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  DELETION_CANCELLED_V1,
  DELETION_REQUESTED_V1,
  isUuid,
  type CallerContext,
  type CustomerRef,
  type DeletionRequestPage,
  type DeletionRequestView,
  type ListDeletionRequestsQueryDto,
  type RequestDeletionCommand,
} from '@kanta/contracts';
import { uniqueViolation } from '@kanta/database';
import { CommandLog, KnownCustomers, Outbox } from '@kanta/messaging';
import {
  RpcProblem,
  canSee,
  decodeKeysetCursor,
  encodeKeysetCursor,
  requireTenant,
  uuidv7,
  type WriteCommand,
} from '@kanta/platform';
import { ErasuresRepository } from '../erasures/erasures.repository';
import { CUSTOMER_WAIT_MS } from '../erasures/erasures.service';
import { CustomerLocks } from '../merges/customer-locks';
import { DeletionJobs } from './deletion-jobs';
import {
  DeletionRequestsRepository,
  deletionView,
  type DeletionRow,
} from './deletion-requests.repository';

const DEFAULT_PAGE_SIZE = 25;

/**
 * Deletion requests (Timma's "Poistopyyntö"): recorded by reception for a customer it may see,
 * due when the tenant's grace period ends, cancellable until then by an admin. Its erasure is the
 * same saga as an admin's (DueDeletions). The customer card learns of it from its events. A
 * customer merged into another has none (its history is the survivor's): the request goes there.
 */
@Injectable()
export class DeletionRequests {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: DeletionRequestsRepository,
    private readonly erasures: ErasuresRepository,
    private readonly commands: CommandLog,
    private readonly outbox: Outbox,
    private readonly known: KnownCustomers,
    private readonly jobs: DeletionJobs,
    private readonly locks: CustomerLocks,
    @Inject(CUSTOMER_WAIT_MS) private readonly waitMs: number,
  ) {}

  async request(
    context: CallerContext,
    data: RequestDeletionCommand,
    command: WriteCommand,
  ): Promise<DeletionRequestView> {
    const tenantId = requireTenant(context).id;
    const row = await this.commands.once(
      command,
      () => this.requestOnce(context, tenantId, data, command),
      async (earlier) => {
        const found = await this.repository.find(
          this.dataSource.manager,
          tenantId,
          earlier.resultId as string,
        );
        if (!found) throw RpcProblem.notFound('Deletion request');
        return found;
      },
    );
    // After the commit: the row is the truth, the job its timely trigger (the sweep covers it).
    if (row.status === 'pending') await this.jobs.schedule(row);
    return deletionView(row);
  }

  private async requestOnce(
    context: CallerContext,
    tenantId: string,
    data: RequestDeletionCommand,
    command: WriteCommand,
  ): Promise<DeletionRow> {
    const customer = await this.known.await(
      this.dataSource,
      tenantId,
      data.customerId,
      this.waitMs,
    );
    if (!customer || !canSee(context, customer.stationIds)) throw RpcProblem.notFound('Customer');
    const erased = await this.erasures.ofCustomer(
      this.dataSource.manager,
      tenantId,
      customer.customerId,
    );
    if (erased || customer.status === 'erased') {
      throw RpcProblem.conflict('customer-erased', 'Conflict', 'The customer is erased already.');
    }
    try {
      return await this.dataSource.transaction(async (manager) => {
        // Under the customer's lock, the one a merge takes: a customer merged into another
        // (409 customer-merged, naming the survivor) or part of a merge in progress is refused,
        // and a merge after this one sees the pending request (409 deletion-pending).
        await this.locks.lock(manager, tenantId, [customer.customerId]);
        await this.locks.refuseMerged(manager, tenantId, customer.customerId);
        const row = await this.repository.insert(manager, {
          tenantId,
          id: uuidv7(),
          customerId: customer.customerId,
          channel: data.request.channel,
          requestedBy: context.userId,
          graceDays: data.graceDays,
          correlationId: context.correlationId,
        });
        await this.outbox.enqueue(manager, [
          {
            type: DELETION_REQUESTED_V1,
            tenantId,
            correlationId: context.correlationId,
            payload: {
              requestId: row.id,
              customerId: row.customer_id,
              requestedAt: row.requested_at.toISOString(),
              dueAt: row.due_at.toISOString(),
            },
          },
        ]);
        await this.commands.record(manager, command, { id: row.id });
        return row;
      });
    } catch (error) {
      if (uniqueViolation(error) === 'deletion_requests_pending_key') {
        const pending = await this.repository.latestOf(
          this.dataSource.manager,
          tenantId,
          customer.customerId,
        );
        throw RpcProblem.conflict(
          'deletion-requested',
          'Conflict',
          `The customer's deletion was requested already` +
            (pending ? ` (request ${pending.id}, due ${pending.due_at.toISOString()}).` : '.'),
        );
      }
      throw error;
    }
  }

  /** Cancels the customer's pending request: 404 without one, 409 once done or cancelled. */
  cancel(
    context: CallerContext,
    data: CustomerRef,
    command: WriteCommand,
  ): Promise<DeletionRequestView> {
    const tenantId = requireTenant(context).id;
    return this.commands.once(
      command,
      () =>
        this.dataSource.transaction(async (manager) => {
          const latest = isUuid(data.customerId)
            ? await this.repository.latestOf(manager, tenantId, data.customerId, true)
            : null;
          if (!latest) throw RpcProblem.notFound('Deletion request');
          if (latest.status !== 'pending') {
            throw RpcProblem.conflict(
              latest.status === 'done' ? 'deletion-request-done' : 'deletion-request-cancelled',
              'Conflict',
              latest.status === 'done'
                ? `The deletion request was done: the customer is erased (erasure ${latest.erasure_id}).`
                : 'The deletion request was cancelled already.',
            );
          }
          const row = await this.repository.cancel(manager, tenantId, latest.id, context.userId);
          await this.outbox.enqueue(manager, [
            {
              type: DELETION_CANCELLED_V1,
              tenantId,
              correlationId: context.correlationId,
              payload: {
                requestId: row.id,
                customerId: row.customer_id,
                cancelledAt: (row.cancelled_at as Date).toISOString(),
              },
            },
          ]);
          await this.commands.record(manager, command, { id: row.id });
          return deletionView(row);
        }),
      async (earlier) => {
        const found = await this.repository.find(
          this.dataSource.manager,
          tenantId,
          earlier.resultId as string,
        );
        if (!found) throw RpcProblem.notFound('Deletion request');
        return deletionView(found);
      },
    );
  }

  async list(
    context: CallerContext,
    query: ListDeletionRequestsQueryDto,
  ): Promise<DeletionRequestPage> {
    const tenantId = requireTenant(context).id;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor
      ? decodeKeysetCursor(query.cursor, (parts) => parts.length === 1 && isUuid(parts[0]))[0]
      : null;
    const rows = await this.repository.list(
      this.dataSource.manager,
      tenantId,
      query.status,
      after,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map(deletionView),
      nextCursor: rows.length > limit ? encodeKeysetCursor([page[page.length - 1].id]) : null,
    };
  }
}
