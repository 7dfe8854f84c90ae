import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  ERASURE_PARTICIPANTS,
  ERASURE_REQUESTED_V1,
  type CallerContext,
  type EraseCustomerCommand,
  type ErasureReason,
  type ErasureView,
  type Role,
} from '@kanta/contracts';
import { uniqueViolation } from '@kanta/database';
import {
  CommandLog,
  eraseMessagesNaming,
  EventConsumer,
  KnownCustomers,
  Outbox,
} from '@kanta/messaging';
import { RpcProblem, requireTenant, uuidv7, type WriteCommand } from '@kanta/platform';
import { AccessLogRepository } from '../audit/access-log.repository';
import { DataExportsRepository } from '../exports/data-exports.repository';
import { PRIVACY_SCHEMA } from '../database/schema';
import { CustomerLocks } from '../merges/customer-locks';
import { MergesRepository } from '../merges/merges.repository';
import { ErasuresRepository } from './erasures.repository';

export const CUSTOMER_WAIT_MS = Symbol('CUSTOMER_WAIT_MS');

/**
 * Erasure requests: checked against what this service knows of the customer (it exists in the
 * tenant, it is not erased, the number typed to confirm is its number), recorded with one
 * pending confirmation per participant, and announced by `privacy.erasure.requested.v1` in the
 * same transaction. The participants' answers complete it (ErasureAnswers).
 */
@Injectable()
export class Erasures implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ErasuresRepository,
    private readonly commands: CommandLog,
    private readonly outbox: Outbox,
    private readonly events: EventConsumer,
    private readonly known: KnownCustomers,
    private readonly accessLog: AccessLogRepository,
    private readonly locks: CustomerLocks,
    private readonly merges: MergesRepository,
    private readonly dataExports: DataExportsRepository,
    @Inject(CUSTOMER_WAIT_MS) private readonly waitMs: number,
  ) {}

  onModuleInit(): void {
    this.known.register(this.events);
  }

  request(
    context: CallerContext,
    data: EraseCustomerCommand,
    command: WriteCommand,
  ): Promise<ErasureView> {
    const tenant = requireTenant(context);
    return this.commands.once(
      command,
      () => this.requestOnce(context, tenant.id, data, command),
      async (earlier) => this.view(tenant.id, earlier.resultId as string),
    );
  }

  private async requestOnce(
    context: CallerContext,
    tenantId: string,
    data: EraseCustomerCommand,
    command: WriteCommand,
  ): Promise<ErasureView> {
    const customer = await this.known.await(
      this.dataSource,
      tenantId,
      data.customerId,
      this.waitMs,
    );
    if (!customer) throw RpcProblem.notFound('Customer');
    const earlier = await this.repository.ofCustomer(
      this.dataSource.manager,
      tenantId,
      customer.customerId,
    );
    if (earlier || customer.status === 'erased') throw alreadyErased(earlier?.id);
    if (customer.customerNumber !== data.erase.confirmCustomerNumber.trim()) {
      throw RpcProblem.validation([
        {
          field: 'confirmCustomerNumber',
          reason: 'mismatch',
          message: "confirmCustomerNumber is not this customer's number",
        },
      ]);
    }
    try {
      const id = await this.dataSource.transaction(async (manager) => {
        const erasureId = await this.begin(manager, {
          tenantId,
          customerId: customer.customerId,
          reason: data.erase.reason,
          requestedBy: context.userId,
          correlationId: context.correlationId,
          actor: { role: context.role, stationId: context.currentStationId },
        });
        await this.commands.record(manager, command, { id: erasureId });
        return erasureId;
      });
      return await this.view(tenantId, id);
    } catch (error) {
      if (uniqueViolation(error) === 'erasures_customer_key') {
        const winner = await this.repository.ofCustomer(
          this.dataSource.manager,
          tenantId,
          customer.customerId,
        );
        throw alreadyErased(winner?.id);
      }
      throw error;
    }
  }

  /**
   * Starts the erasure of a customer in the caller's transaction: the erasure with one pending
   * confirmation per participant, its announcement, its entry in the access log (`actor`: the
   * role and station of the user who asked; none when the system acts for them), and the
   * customer's pending deletion request (if any) done by it. The one way an erasure starts, whoever asks (an admin, a deletion
   * request's due date, retention). A second erasure of the customer fails on the unique key
   * `erasures_customer_key`. It takes the customer's lock first (CustomerLocks, the lock a merge
   * takes) and refuses a customer merged into another (409 customer-merged) or part of a merge in
   * progress (409 merge-in-progress): of a merge and an erasure at once, one wins. The customers
   * merged into this one are erased with it (`mergedCustomerIds`).
   */
  async begin(
    manager: EntityManager,
    erasure: {
      tenantId: string;
      customerId: string;
      reason: ErasureReason;
      requestedBy: string;
      correlationId: string | null;
      actor?: { role: Role; stationId: string | null };
    },
  ): Promise<string> {
    await this.locks.lock(manager, erasure.tenantId, [erasure.customerId]);
    await this.locks.refuseMerged(manager, erasure.tenantId, erasure.customerId);
    const id = uuidv7();
    const { actor, ...record } = erasure;
    const requestedAt = await this.repository.insert(manager, {
      ...record,
      id,
      participants: ERASURE_PARTICIPANTS,
    });
    await this.accessLog.insert(manager, erasure.tenantId, [
      {
        id: uuidv7(),
        at: requestedAt,
        action: 'erase',
        userId: erasure.requestedBy,
        role: actor?.role ?? null,
        stationId: actor?.stationId ?? null,
        customerIds: [erasure.customerId],
        correlationId: erasure.correlationId,
      },
    ]);
    const merged = await this.announce(
      manager,
      erasure.tenantId,
      erasure.correlationId,
      id,
      erasure.customerId,
      requestedAt,
    );
    // What this service's own messaging tables hold of the customer: a visit event it gave up on
    // may carry the consents reception gave, evidence included.
    await eraseMessagesNaming(manager, PRIVACY_SCHEMA, erasure.tenantId, [
      erasure.customerId,
      ...merged,
    ]);
    // Hand-overs made earlier hold everything of the person: they go with the erasure, at once.
    await this.dataExports.deleteOfCustomers(manager, erasure.tenantId, [
      erasure.customerId,
      ...merged,
    ]);
    await manager.query(
      `UPDATE privacy.deletion_requests SET status = 'done', erasure_id = $3
        WHERE tenant_id = $1 AND customer_id = $2 AND status = 'pending'`,
      [erasure.tenantId, erasure.customerId, id],
    );
    return id;
  }

  async get(context: CallerContext, id: string): Promise<ErasureView> {
    return this.view(requireTenant(context).id, id);
  }

  /**
   * Publishes the request again (a new event), for every participant that has not answered: one
   * whose handler failed for good (its request is among its dead letters) and has been fixed
   * since, or one whose queue was lost. Every participant takes it; one that answered already
   * erases what is left, if anything (an erased customer has nothing left), and its second answer
   * is ignored (ErasuresRepository.confirm keeps the first).
   */
  retry(context: CallerContext, id: string, command: WriteCommand): Promise<ErasureView> {
    const tenantId = requireTenant(context).id;
    return this.commands.once(
      command,
      () =>
        this.dataSource.transaction(async (manager) => {
          const erasure = await this.repository.lock(manager, tenantId, id);
          if (!erasure) throw RpcProblem.notFound('Erasure');
          if (erasure.completedAt !== null) {
            throw RpcProblem.conflict(
              'erasure-completed',
              'Conflict',
              'Every service has confirmed this erasure: there is nothing to retry.',
            );
          }
          await this.repository.markAsked(manager, tenantId, id);
          await this.announce(
            manager,
            tenantId,
            erasure.correlationId,
            id,
            erasure.customerId,
            erasure.requestedAt,
          );
          await this.commands.record(manager, command, { id });
          return this.view(tenantId, id, manager);
        }),
      async (earlier) => this.view(tenantId, earlier.resultId as string),
    );
  }

  private async announce(
    manager: EntityManager,
    tenantId: string,
    correlationId: string | null,
    erasureId: string,
    customerId: string,
    requestedAt: string,
  ): Promise<string[]> {
    // Erased with it: the customers merged into it, whose rows a participant may still keep under
    // their own ids. None can be merged in or out meanwhile (the erasure refuses merges in
    // progress, a merge and an undo refuse an erased customer).
    const mergedCustomerIds = await this.merges.mergedInto(manager, tenantId, customerId);
    await this.outbox.enqueue(manager, [
      {
        type: ERASURE_REQUESTED_V1,
        tenantId,
        correlationId,
        payload: { erasureId, customerId, requestedAt, mergedCustomerIds },
      },
    ]);
    return mergedCustomerIds;
  }

  private async view(
    tenantId: string,
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ErasureView> {
    const found = await this.repository.view(manager, tenantId, id);
    if (!found) throw RpcProblem.notFound('Erasure');
    return found;
  }
}

function alreadyErased(erasureId: string | undefined): RpcProblem {
  return RpcProblem.conflict(
    'customer-erased',
    'Conflict',
    erasureId
      ? `The customer's erasure was requested already (erasure ${erasureId}).`
      : 'The customer is erased already.',
  );
}
