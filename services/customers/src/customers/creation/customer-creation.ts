import { uniqueViolation } from '@kanta/database';
import { Injectable } from '@nestjs/common';
import {
  type CallerContext,
  type CreateCustomerDto,
  type CreateCustomerResult,
  type FieldError,
} from '@kanta/contracts';
import { Outbox } from '@kanta/messaging';
import {
  RpcProblem,
  canSee,
  fingerprintOf,
  idempotencyKeyReused,
  requireTenant,
  uuidv7,
  type CallerTenant,
} from '@kanta/platform';
import { DuplicatesService } from '../../duplicates/duplicates.service';
import type { FoundCandidate } from '../../duplicates/duplicates.repository';
import { CustomerCardRules, customerNumberTaken } from '../card-rules';
import { customerCreatedEvent } from '../customer-events';
import type { CustomerRow, CustomerWrite } from '../customer-row';
import { toCustomerView } from '../customer-view';
import { buildCustomerWrite } from '../customer-write';
import { CONSTRAINTS, CustomersRepository } from '../customers.repository';

/** Attempts at a generated customer number that someone took between allocation and insert. */
const NUMBER_ATTEMPTS = 3;

/**
 * A new customer card: checked, held back as a possible duplicate unless the caller allows one,
 * numbered, and written with its created event; an `Idempotency-Key` answers a retry with the
 * customer the first request made.
 */
@Injectable()
export class CustomerCreation {
  constructor(
    private readonly repository: CustomersRepository,
    private readonly rules: CustomerCardRules,
    private readonly outbox: Outbox,
    private readonly duplicates: DuplicatesService,
  ) {}

  async create(
    context: CallerContext,
    input: CreateCustomerDto,
    idempotencyKey?: string,
    options: { allowDuplicate?: boolean } = {},
  ): Promise<CreateCustomerResult> {
    const tenant = requireTenant(context);
    const fingerprint = idempotencyKey ? fingerprintOf(input) : '';
    if (idempotencyKey) {
      const replay = await this.replay(context, idempotencyKey, fingerprint);
      if (replay) return replay;
    }
    const stationIds =
      input.stationIds ?? (context.currentStationId ? [context.currentStationId] : []);
    const write = buildCustomerWrite(tenant, {
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
    const errors = [...write.errors, ...(await this.rules.violations(context, tenant.id, write))];
    if (errors.length > 0) throw RpcProblem.validation(errors);

    // null, like an absent number, asks for a generated one.
    const explicitNumber = input.customerNumber != null;
    const keys = this.duplicates.keysOf(tenant.id, write.row, explicitNumber);
    const shownKeys = this.duplicates.keysShownTo(context, keys);
    const found = await this.duplicates.candidatesFor(tenant.id, shownKeys);
    if (found.length > 0 && !options.allowDuplicate) {
      if (idempotencyKey) {
        // A concurrent request with the same key may have just created this very customer.
        const replay = await this.replay(context, idempotencyKey, fingerprint);
        if (replay) return replay;
      }
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
        const created = await this.insertCustomer(context, tenant, row, input, {
          key: idempotencyKey,
          fingerprint,
        });
        // The pairs by every key, also those the caller was not told of.
        const pairs =
          shownKeys === keys ? found : await this.duplicates.candidatesFor(tenant.id, keys);
        if (pairs.length > 0) await this.duplicates.pairsCreated(tenant.id, created.id, pairs);
        return { customer: toCustomerView(created, context), replayed: false };
      } catch (error) {
        const constraint = uniqueViolation(error);
        if (constraint !== null && idempotencyKey) {
          // A concurrent request with the same key may have won, and its customer then collides
          // on the number or an external id before the key itself: answer as its replay.
          const replay = await this.replay(context, idempotencyKey, fingerprint);
          if (replay) return replay;
        }
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
    idempotency: { key: string | undefined; fingerprint: string },
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
      idempotency: idempotency.key
        ? { key: idempotency.key, fingerprint: idempotency.fingerprint }
        : null,
      events,
    });
    this.outbox.committed();
    return created;
  }

  private async replay(
    context: CallerContext,
    key: string,
    fingerprint: string,
  ): Promise<CreateCustomerResult | null> {
    const tenantId = requireTenant(context).id;
    const record = await this.repository.findIdempotencyKey(tenantId, key);
    if (!record) return null;
    if (record.fingerprint !== fingerprint) throw idempotencyKeyReused();
    const row = await this.repository.findById(tenantId, record.customerId);
    // Keys are the tenant's; a caller who cannot see the first customer must not get it back.
    if (!row || !canSee(context, row.station_ids)) throw idempotencyKeyReused();
    return { customer: toCustomerView(row, context), replayed: true };
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
