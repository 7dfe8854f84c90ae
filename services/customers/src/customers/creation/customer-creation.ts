import { uniqueViolation } from '@kanta/database';
import { Injectable } from '@nestjs/common';
import {
  type CallerContext,
  type CreateCustomerDto,
  type CreateCustomerResult,
  type FieldError,
} from '@kanta/contracts';
import { CommandLog, Outbox, type EarlierCommand } from '@kanta/messaging';
import {
  RpcProblem,
  canSee,
  idempotencyKeyReused,
  requireTenant,
  uuidv7,
  type CallerTenant,
  type WriteCommand,
} from '@kanta/platform';
import { DuplicatesService } from '../../duplicates/duplicates.service';
import type { FoundCandidate } from '../../duplicates/duplicates.repository';
import { CustomerCardRules, customerNumberTaken } from '../card-rules';
import { customerCreatedEvent } from '../customer-events';
import type { CustomerRow, CustomerWrite } from '../customer-row';
import { toCustomerView } from '../customer-view';
import { buildCustomerWrite, type BuiltWrite } from '../customer-write';
import { CONSTRAINTS, CustomersRepository } from '../customers.repository';

/**
 * A new card's write from the API's create body, with the create's defaults (a person, active,
 * no groups…): the API's create and an import's commit build it with this one function.
 */
export function newCustomerWrite(
  tenant: CallerTenant,
  input: CreateCustomerDto,
  stationIds: string[],
): BuiltWrite {
  return buildCustomerWrite(tenant, {
    kind: input.kind ?? 'person',
    firstName: input.firstName ?? null,
    lastName: input.lastName ?? null,
    companyName: input.companyName ?? null,
    businessId: input.businessId ?? null,
    phone: input.phone ?? null,
    email: input.email ?? null,
    addresses: input.addresses ?? [],
    notes: input.notes ?? null,
    status: input.status ?? 'active',
    customerNumber: input.customerNumber ?? '',
    stationIds,
    externalIds: input.externalIds ?? [],
    description: input.description ?? null,
    groupIds: input.groupIds ?? [],
    sourceId: input.sourceId ?? null,
    regularOfUserId: input.regularOfUserId ?? null,
    discountPercent: input.discountPercent ?? null,
    nameDay: input.nameDay ?? null,
    birthday: input.birthday ?? null,
    documents: input.documents ?? [],
    internal: input.internal ?? false,
    leasingCompany: input.leasingCompany ?? false,
    leasingCompanyId: input.leasingCompanyId ?? null,
  });
}

/** Attempts at a generated customer number that someone took between allocation and insert. */
const NUMBER_ATTEMPTS = 3;

/**
 * A new customer card: checked, held back as a possible duplicate unless the caller allows one,
 * numbered, and written with its command and its created event in one statement; the command
 * delivered again (a redelivery, or the client's Idempotency-Key sent again) answers the customer
 * the first delivery made.
 */
@Injectable()
export class CustomerCreation {
  constructor(
    private readonly repository: CustomersRepository,
    private readonly rules: CustomerCardRules,
    private readonly outbox: Outbox,
    private readonly duplicates: DuplicatesService,
    private readonly commands: CommandLog,
  ) {}

  async create(
    context: CallerContext,
    input: CreateCustomerDto,
    command: WriteCommand,
    options: { allowDuplicate?: boolean } = {},
  ): Promise<CreateCustomerResult> {
    requireTenant(context);
    return this.commands.once(
      command,
      () => this.createOnce(context, input, command, options),
      (earlier) => this.replay(context, command, earlier),
    );
  }

  private async createOnce(
    context: CallerContext,
    input: CreateCustomerDto,
    command: WriteCommand,
    options: { allowDuplicate?: boolean },
  ): Promise<CreateCustomerResult> {
    const tenant = requireTenant(context);
    const stationIds =
      input.stationIds ?? (context.currentStationId ? [context.currentStationId] : []);
    const write = newCustomerWrite(tenant, input, stationIds);
    const errors = [...write.errors, ...(await this.rules.violations(context, tenant.id, write))];
    if (errors.length > 0) throw RpcProblem.validation(errors);

    // null, like an absent number, asks for a generated one.
    const explicitNumber = input.customerNumber != null;
    const keys = this.duplicates.keysOf(tenant.id, write.row, explicitNumber);
    const shownKeys = this.duplicates.keysShownTo(context, keys);
    const found = await this.duplicates.candidatesFor(tenant.id, shownKeys);
    // (A concurrent delivery of the same command may have just made this very customer: the
    // command log answers with it instead of this 409.)
    if (found.length > 0 && !options.allowDuplicate) {
      throw this.duplicates.possibleDuplicate(
        context,
        found,
        await this.uniqueKeyErrors(tenant.id, found, write.row),
      );
    }
    for (let attempt = 1; ; attempt++) {
      const row: CustomerWrite = {
        ...write.row,
        customer_number: explicitNumber
          ? write.row.customer_number
          : await this.repository.allocateCustomerNumber(tenant.id),
      };
      try {
        const created = await this.insertCustomer(context, tenant, row, input, command);
        // The pairs by every key, also those the caller was not told of.
        const pairs =
          shownKeys === keys ? found : await this.duplicates.candidatesFor(tenant.id, keys);
        if (pairs.length > 0) await this.duplicates.pairsCreated(tenant.id, created.id, pairs);
        return { customer: toCustomerView(created, context), replayed: false };
      } catch (error) {
        // A concurrent delivery of the same command may have won, and this customer then
        // collides on the number or an external id before the command itself: the command log
        // answers with the winner's.
        const constraint = uniqueViolation(error);
        if (constraint === CONSTRAINTS.customerNumber) {
          if (explicitNumber) throw customerNumberTaken();
          if (attempt < NUMBER_ATTEMPTS) continue;
        }
        if (constraint === CONSTRAINTS.externalId) {
          throw await this.rules.externalIdsConflict(tenant.id, row.external_ids, null);
        }
        throw error;
      }
    }
  }

  private async insertCustomer(
    context: CallerContext,
    tenant: CallerTenant,
    row: CustomerWrite,
    input: CreateCustomerDto,
    command: WriteCommand,
  ): Promise<CustomerRow> {
    const id = uuidv7();
    const origin = input.origin ?? 'reception';
    // The number is allocated before the insert, so the event can be written in the same
    // statement as the customer.
    const consents = input.consents && {
      source: input.consents.source ?? 'reception',
      recordedBy: context.userId,
      decisions: input.consents.decisions,
    };
    const events = (firstParam: number): { sql: string; params: unknown[] } =>
      this.outbox.statementPart(
        [customerCreatedEvent(tenant.id, id, row, origin, context.correlationId ?? null, consents)],
        firstParam,
      );
    const created = await this.repository.insertCustomer({
      tenantId: tenant.id,
      id,
      origin,
      write: row,
      command: (firstParam) => this.commands.statementPart(command, firstParam, '$2'),
      events,
    });
    this.outbox.committed();
    return created;
  }

  /** The customer an earlier delivery of the command made, as the caller may see it now. */
  private async replay(
    context: CallerContext,
    command: WriteCommand,
    earlier: EarlierCommand,
  ): Promise<CreateCustomerResult> {
    const tenantId = requireTenant(context).id;
    const row = earlier.resultId
      ? await this.repository.findById(tenantId, earlier.resultId)
      : null;
    // Keys are the tenant's; a caller who cannot see the first customer must not get it back.
    if (!row || !canSee(context, row.station_ids)) throw idempotencyKeyReused();
    return { customer: toCustomerView(row, context), replayed: command.fromClient };
  }

  /**
   * A customer number and an external id stay unique even when the caller allows a duplicate:
   * the possible-duplicate problem names them as errors, as their own 409s would.
   */
  private async uniqueKeyErrors(
    tenantId: string,
    found: FoundCandidate[],
    row: CustomerWrite,
  ): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    if (found.some((c) => c.reasons.includes('customerNumber'))) {
      errors.push(...(customerNumberTaken().problem.errors ?? []));
    }
    if (found.some((c) => c.reasons.includes('externalId'))) {
      const conflict = await this.rules.externalIdsConflict(tenantId, row.external_ids, null);
      errors.push(...(conflict.problem.errors ?? []));
    }
    return errors;
  }
}
