import { uniqueViolation } from '@kanta/database';
import { isUuid } from '@kanta/contracts';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  CallerContext,
  CustomerLabelList,
  CustomerLabelPage,
  CustomerLabelView,
  DeleteLabelResult,
  FieldError,
} from '@kanta/contracts';
import { CommandLog, Outbox, type EarlierCommand } from '@kanta/messaging';
import { RpcProblem, requireTenant, uuidv7, type WriteCommand } from '@kanta/platform';
import { customerUpdatedEvent } from '../customers/customer-events';
import { LabelsRepository, type LabelRow } from './labels.repository';

const TITLE: Record<CustomerLabelList, string> = {
  group: 'Customer group',
  source: 'Customer source',
};
/** The unique index of a list's names. */
const LABEL_NAME_UNIQUE = 'customer_labels_name_unique';
/** The customer field each list fills. */
const FIELD: Record<CustomerLabelList, string> = { group: 'groupIds', source: 'sourceId' };

/**
 * The tenant's customer groups and sources. Everyone in the tenant reads them; admins keep them.
 * Deleting one takes it off its customers (each gets a new version and an update event), so no
 * customer is left pointing at a label that is gone. Each change is a command that runs once (a
 * redelivery answers the label as it is now, or the count the delete released).
 */
@Injectable()
export class LabelsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: LabelsRepository,
    private readonly outbox: Outbox,
    private readonly commands: CommandLog,
  ) {}

  async list(
    context: CallerContext,
    list: CustomerLabelList,
    withCounts = false,
  ): Promise<CustomerLabelPage> {
    const tenant = requireTenant(context);
    const rows = await this.repository.list(tenant.id, list, withCounts);
    return { items: rows.map(toView) };
  }

  async create(
    context: CallerContext,
    list: CustomerLabelList,
    name: string,
    command: WriteCommand,
  ): Promise<CustomerLabelView> {
    const tenant = requireTenant(context);
    requireAdmin(context, list);
    return this.commands.once(
      command,
      () =>
        this.named(list, () =>
          this.dataSource.transaction(async (manager) => {
            const row = await this.repository.insert(
              manager,
              tenant.id,
              list,
              uuidv7(),
              name.trim(),
            );
            await this.commands.record(manager, command, { id: row.id });
            return toView(row);
          }),
        ),
      (earlier) => this.again(tenant.id, list, earlier),
    );
  }

  async rename(
    context: CallerContext,
    list: CustomerLabelList,
    id: string,
    name: string,
    command: WriteCommand,
  ): Promise<CustomerLabelView> {
    const tenant = requireTenant(context);
    requireAdmin(context, list);
    if (!isUuid(id)) throw RpcProblem.notFound(TITLE[list]);
    return this.commands.once(
      command,
      () =>
        this.named(list, () =>
          this.dataSource.transaction(async (manager) => {
            const row = await this.repository.rename(manager, tenant.id, list, id, name.trim());
            if (!row) throw RpcProblem.notFound(TITLE[list]);
            await this.commands.record(manager, command, { id });
            return toView(row);
          }),
        ),
      (earlier) => this.again(tenant.id, list, earlier),
    );
  }

  async delete(
    context: CallerContext,
    list: CustomerLabelList,
    id: string,
    command: WriteCommand,
  ): Promise<DeleteLabelResult> {
    const tenant = requireTenant(context);
    requireAdmin(context, list);
    if (!isUuid(id)) throw RpcProblem.notFound(TITLE[list]);
    return this.commands.once(
      command,
      () =>
        this.dataSource.transaction(async (manager) => {
          if (!(await this.repository.delete(manager, tenant.id, list, id))) {
            throw RpcProblem.notFound(TITLE[list]);
          }
          const released = await this.repository.release(manager, tenant.id, list, id);
          await this.outbox.enqueue(
            manager,
            released.map((customer) =>
              customerUpdatedEvent(context, tenant.id, customer, [FIELD[list]]),
            ),
          );
          const answer: DeleteLabelResult = { released: released.length };
          await this.commands.record(manager, command, { answer });
          return answer;
        }),
      async (earlier) => earlier.answer as DeleteLabelResult,
    );
  }

  /** A name another label of the list has is a 409. */
  private async named<T>(list: CustomerLabelList, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (uniqueViolation(error) === LABEL_NAME_UNIQUE) throw nameTaken(list);
      throw error;
    }
  }

  /** The label an earlier delivery of the command made or renamed, as it is now. */
  private async again(
    tenantId: string,
    list: CustomerLabelList,
    earlier: EarlierCommand,
  ): Promise<CustomerLabelView> {
    const row = earlier.resultId
      ? await this.repository.findById(tenantId, list, earlier.resultId)
      : null;
    if (!row) throw RpcProblem.notFound(TITLE[list]);
    return toView(row);
  }

  /** Field errors for ids that are not labels of the tenant's list. */
  async unknownLabels(
    tenantId: string,
    list: CustomerLabelList,
    ids: string[],
  ): Promise<FieldError[]> {
    const unknown = await this.repository.unknown(tenantId, list, ids);
    return unknown.length === 0
      ? []
      : [
          {
            field: FIELD[list],
            reason: `unknown_${list}`,
            message: `${FIELD[list]} must name ${list}s of your tenant (unknown: ${unknown.join(', ')})`,
          },
        ];
  }
}

function requireAdmin(context: CallerContext, list: CustomerLabelList): void {
  if (context.role === 'worker') {
    throw RpcProblem.forbidden(`Only an admin may change the tenant's ${list}s.`);
  }
}

function nameTaken(list: CustomerLabelList): RpcProblem {
  return RpcProblem.conflict(
    `${list}-name-taken`,
    `${TITLE[list]} name taken`,
    `The tenant already has a ${list} of this name.`,
    [{ field: 'name', reason: 'taken', message: `another ${list} has this name` }],
  );
}

function toView(row: LabelRow): CustomerLabelView {
  return {
    id: row.id,
    name: row.name,
    ...(row.customer_count !== undefined ? { customerCount: Number(row.customer_count) } : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
