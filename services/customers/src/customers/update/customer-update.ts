import { uniqueViolation } from '@kanta/database';
import { isUuid } from '@kanta/contracts';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CallerContext, CustomerView, UpdateCustomerDto } from '@kanta/contracts';
import { CommandLog, Outbox } from '@kanta/messaging';
import { canSee, requireTenant, RpcProblem, type WriteCommand } from '@kanta/platform';
import { DuplicatesService, KEY_FIELDS } from '../../duplicates/duplicates.service';
import {
  CustomerCardRules,
  customerNotFound,
  customerNumberTaken,
  refuseClosedCustomer,
} from '../card-rules';
import { CustomerCards } from '../customer-cards';
import { customerUpdatedEvent } from '../customer-events';
import { seesSensitiveData, toCustomerView } from '../customer-view';
import { CONSTRAINTS, CustomersRepository } from '../customers.repository';
import { changedFields, mergePatch, minus } from './merge-patch';

/**
 * A patch of a customer card at the version the caller read (412 otherwise): merged, checked,
 * and written with its command and its updated event naming the changed fields. A patch that
 * changes nothing writes nothing and keeps the version. The command delivered again answers the
 * card as it is now.
 */
@Injectable()
export class CustomerUpdate {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: CustomersRepository,
    private readonly rules: CustomerCardRules,
    private readonly outbox: Outbox,
    private readonly duplicates: DuplicatesService,
    private readonly cards: CustomerCards,
    private readonly commands: CommandLog,
  ) {}

  async update(
    context: CallerContext,
    id: string,
    expectedVersion: number,
    patch: UpdateCustomerDto,
    command: WriteCommand,
  ): Promise<CustomerView> {
    requireTenant(context);
    return this.commands.once(
      command,
      () => this.apply(context, id, expectedVersion, patch, command),
      () => this.cards.get(context, id),
    );
  }

  /** The update itself, for a caller that runs the command once around it (GroupMembership). */
  async apply(
    context: CallerContext,
    id: string,
    expectedVersion: number,
    patch: UpdateCustomerDto,
    command: WriteCommand,
  ): Promise<CustomerView> {
    const tenant = requireTenant(context);
    if (!isUuid(id)) throw customerNotFound();
    try {
      return await this.dataSource.transaction(async (manager) => {
        const current = await this.repository.findById(tenant.id, id, {
          manager,
          forUpdate: true,
        });
        if (!current || !canSee(context, current.station_ids)) throw customerNotFound();
        // Read under the row lock the erasure and the merge take too: an edit waiting for one
        // sees the shell or the merged card.
        refuseClosedCustomer(current);
        if (current.version !== expectedVersion) {
          throw RpcProblem.preconditionFailed(
            `The customer is at version ${current.version}, not ${expectedVersion}; read it again.`,
          );
        }
        const merged = mergePatch(tenant, current, patch);
        if (merged.errors.length > 0) throw RpcProblem.validation(merged.errors);
        const changed = changedFields(current, merged.row, {
          patch,
          seesMasked: seesSensitiveData(context),
        });
        if (changed.length === 0) return toCustomerView(current, context);
        const errors = await this.rules.violations(context, tenant.id, merged, {
          stationIds: current.station_ids,
          changed,
        });
        if (errors.length > 0) throw RpcProblem.validation(errors);

        const updated = await this.repository.update(manager, tenant.id, id, merged.row);
        if (changed.some((field) => KEY_FIELDS.includes(field))) {
          await this.duplicates.refreshPairs(manager, tenant.id, id, merged.row);
        }
        if (changed.includes('externalIds')) {
          const before = current.external_ids;
          const after = merged.row.external_ids;
          await this.repository.removeExternalIds(manager, tenant.id, id, minus(before, after));
          await this.repository.addExternalIds(manager, tenant.id, id, minus(after, before));
        }
        await this.outbox.enqueue(manager, [
          customerUpdatedEvent(context, tenant.id, updated, changed),
        ]);
        await this.commands.record(manager, command, { id });
        return toCustomerView(updated, context);
      });
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint === CONSTRAINTS.customerNumber) throw customerNumberTaken();
      if (constraint === CONSTRAINTS.externalId) {
        const ids = patch.externalIds ?? [];
        throw await this.rules.externalIdsConflict(tenant.id, ids, id);
      }
      throw error;
    }
  }
}
