import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CUSTOMER_CREATED_V1,
  DOCUMENT_TYPES,
  type CallerContext,
  type CreateCustomerDto,
  type CreateCustomerResult,
  type CustomerPage,
  type CustomerView,
  type ExternalIdDto,
  type FieldError,
  type IdentityDocumentDto,
  type NameDayDto,
  type SearchCustomersQueryDto,
  type UpdateCustomerDto,
  invalidPhoneMessage,
  normalisePhone,
} from '@kanta/contracts';
import { Outbox } from '@kanta/messaging';
import {
  RpcProblem,
  fingerprintOf,
  idempotencyKeyReused,
  stableJson,
  uuidv7,
} from '@kanta/platform';
import { KEY_FIELDS, DuplicatesService } from '../duplicates/duplicates.service';
import type { FoundCandidate } from '../duplicates/duplicates.repository';
import { fieldRuleViolations, type RuleSubject } from '../field-rules/field-rules';
import { FieldRulesService } from '../field-rules/field-rules.service';
import { LabelsService } from '../labels/labels.service';
import { canSee, requireTenant, visibleStations, type CallerTenant } from '@kanta/platform';
import { customerUpdatedEvent } from './customer-events';
import type { CustomerRow, CustomerWrite } from './customer-row';
import { toCustomerView } from './customer-view';
import { CONSTRAINTS, CustomersRepository, uniqueViolation } from './customers.repository';
import {
  containsPattern,
  decodeCursor,
  encodeCursor,
  isUuid,
  tokeniseSearch,
} from './search-query';

const DEFAULT_PAGE_SIZE = 25;
/** Attempts at a generated customer number that someone took between allocation and insert. */
const NUMBER_ATTEMPTS = 3;

/** The fields a patch may name, in the order the changed-field list reports them. */
const PATCHABLE = [
  'kind',
  'firstName',
  'lastName',
  'companyName',
  'businessId',
  'phone',
  'email',
  'addresses',
  'notes',
  'status',
  'customerNumber',
  'stationIds',
  'externalIds',
  'description',
  'groupIds',
  'sourceId',
  'regularOfUserId',
  'discountPercent',
  'nameDay',
  'birthday',
  'documents',
  'internal',
  'leasingCompany',
  'leasingCompanyId',
] as const;
type PatchableField = (typeof PATCHABLE)[number];

@Injectable()
export class CustomersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: CustomersRepository,
    private readonly fieldRules: FieldRulesService,
    private readonly labels: LabelsService,
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
    const write = this.buildWrite(tenant, {
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
    const errors = [
      ...write.errors,
      ...checkStations(context, write.row.station_ids),
      ...duplicateExternalIds(write.row.external_ids),
      ...(await this.unknownLabels(tenant.id, write.row)),
      ...fieldRuleViolations(await this.fieldRules.rulesFor(tenant.id), write.subject),
    ];
    if (errors.length > 0) throw RpcProblem.validation(errors);

    // null, like an absent number, asks for a generated one.
    const explicitNumber = input.customerNumber != null;
    const found = await this.duplicates.candidatesFor(
      tenant.id,
      this.duplicates.keysOf(tenant.id, write.row, explicitNumber),
    );
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
        if (found.length > 0) await this.duplicates.pairsCreated(tenant.id, created.id, found);
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
          throw await this.externalIdsConflict(tenant.id, row.external_ids, null);
        }
        throw error;
      }
    }
  }

  async get(context: CallerContext, id: string): Promise<CustomerView> {
    const tenant = requireTenant(context);
    const row = isUuid(id) ? await this.repository.findById(tenant.id, id) : null;
    if (!row || !canSee(context, row.station_ids)) throw customerNotFound();
    return toCustomerView(row, context);
  }

  async update(
    context: CallerContext,
    id: string,
    expectedVersion: number,
    patch: UpdateCustomerDto,
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
        if (current.version !== expectedVersion) {
          throw RpcProblem.preconditionFailed(
            `The customer is at version ${current.version}, not ${expectedVersion}; read it again.`,
          );
        }
        const merged = this.mergePatch(tenant, current, patch);
        if (merged.errors.length > 0) throw RpcProblem.validation(merged.errors);
        const changed = changedFields(current, merged.row);
        if (changed.length === 0) return toCustomerView(current, context);
        const errors = [
          ...(changed.includes('stationIds')
            ? checkStations(context, merged.row.station_ids, current.station_ids)
            : []),
          ...duplicateExternalIds(merged.row.external_ids),
          ...(changed.includes('groupIds') || changed.includes('sourceId')
            ? await this.unknownLabels(tenant.id, merged.row)
            : []),
          ...fieldRuleViolations(await this.fieldRules.rulesFor(tenant.id), merged.subject),
        ];
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
        return toCustomerView(updated, context);
      });
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint === CONSTRAINTS.customerNumber) throw customerNumberTaken();
      if (constraint === CONSTRAINTS.externalId) {
        const ids = patch.externalIds ?? [];
        throw await this.externalIdsConflict(tenant.id, ids, id);
      }
      throw error;
    }
  }

  /**
   * Assigns or unassigns one group without a full patch, so no If-Match is needed: the change is
   * the same whatever else happened to the card. A concurrent edit in between is retried.
   */
  async setGroupMembership(
    context: CallerContext,
    id: string,
    groupId: string,
    member: boolean,
  ): Promise<CustomerView> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(context, id);
      const groupIds = member
        ? [...new Set([...current.groupIds, groupId])]
        : current.groupIds.filter((g) => g !== groupId);
      try {
        return await this.update(context, id, current.version, { groupIds });
      } catch (error) {
        if (!(error instanceof RpcProblem) || error.problem.status !== 412 || attempt >= 3) {
          throw error;
        }
      }
    }
  }

  async search(context: CallerContext, query: SearchCustomersQueryDto): Promise<CustomerPage> {
    const tenant = requireTenant(context);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const own = visibleStations(context);
    let stationIds = query.stationIds ?? null;
    if (own) stationIds = stationIds ? stationIds.filter((s) => own.includes(s)) : own;
    if (stationIds && stationIds.length === 0) return { items: [], nextCursor: null };

    const rows = await this.repository.search({
      tenantId: tenant.id,
      patterns: tokeniseSearch(query.q).map(containsPattern),
      includePassive: query.includePassive ?? false,
      createdFrom: query.createdFrom ? new Date(query.createdFrom) : null,
      createdBefore: query.createdTo ? endOf(query.createdTo) : null,
      stationIds,
      groupIds: query.groupIds ?? null,
      sourceId: query.sourceId ?? null,
      regularOfUserId: query.regularOf === 'me' ? context.userId : (query.regularOf ?? null),
      leasingCompany: query.leasingCompany ?? null,
      internal: query.internal ?? null,
      externalId: query.externalId ? parseExternalId(query.externalId) : null,
      marketingConsent: query.marketingConsent ?? null,
      after,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => toCustomerView(row, context)),
      nextCursor: rows.length > limit && last ? encodeCursor({ id: last.id }) : null,
    };
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
    const events = (firstParam: number): { sql: string; params: unknown[] } =>
      this.outbox.statementPart(
        [
          {
            type: CUSTOMER_CREATED_V1,
            tenantId: tenant.id,
            correlationId: context.correlationId ?? null,
            payload: {
              customerId: id,
              customerNumber: row.customer_number,
              kind: row.kind,
              status: row.status,
              origin,
              stationIds: row.station_ids,
              version: 1,
              hasEmail: row.email !== null,
              hasPhone: row.phone !== null,
              ...(input.consents
                ? {
                    consents: {
                      source: input.consents.source ?? 'reception',
                      recordedBy: context.userId,
                      decisions: input.consents.decisions,
                    },
                  }
                : {}),
            },
          },
        ],
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

  /** JSON merge-patch: an absent field keeps its value, null clears it. */
  private mergePatch(
    tenant: CallerTenant,
    current: CustomerRow,
    patch: UpdateCustomerDto,
  ): BuiltWrite {
    const has = (field: PatchableField): boolean =>
      Object.prototype.hasOwnProperty.call(patch, field) && patch[field] !== undefined;
    const cleared: FieldError[] = [];
    const notClearable = (field: PatchableField): void => {
      if (has(field) && patch[field] === null) {
        cleared.push({ field, reason: 'required', message: `${field} cannot be cleared` });
      }
    };
    (['kind', 'status', 'customerNumber', 'internal', 'leasingCompany'] as const).forEach(
      notClearable,
    );
    const phoneUnchanged = !has('phone');
    const built = this.buildWrite(tenant, {
      kind: (has('kind') && patch.kind) || current.kind,
      firstName: has('firstName') ? (patch.firstName ?? null) : current.first_name,
      lastName: has('lastName') ? (patch.lastName ?? null) : current.last_name,
      companyName: has('companyName') ? (patch.companyName ?? null) : current.company_name,
      businessId: has('businessId') ? (patch.businessId ?? null) : current.business_id,
      phone: phoneUnchanged ? null : (patch.phone ?? null),
      email: has('email') ? (patch.email ?? null) : current.email,
      addresses: has('addresses') ? (patch.addresses ?? []) : current.addresses,
      notes: has('notes') ? (patch.notes ?? null) : current.notes,
      status: (has('status') && patch.status) || current.status,
      customerNumber: (has('customerNumber') && patch.customerNumber) || current.customer_number,
      stationIds: has('stationIds') ? (patch.stationIds ?? []) : current.station_ids,
      externalIds: has('externalIds') ? (patch.externalIds ?? []) : current.external_ids,
      description: has('description') ? (patch.description ?? null) : current.description,
      groupIds: has('groupIds') ? (patch.groupIds ?? []) : current.group_ids,
      sourceId: has('sourceId') ? (patch.sourceId ?? null) : current.source_id,
      regularOfUserId: has('regularOfUserId')
        ? (patch.regularOfUserId ?? null)
        : current.regular_of_user_id,
      discountPercent: has('discountPercent')
        ? (patch.discountPercent ?? null)
        : current.discount_percent,
      nameDay: has('nameDay') ? (patch.nameDay ?? null) : current.name_day,
      birthday: has('birthday') ? (patch.birthday ?? null) : current.birthday,
      documents: has('documents') ? (patch.documents ?? []) : current.documents,
      internal: patch.internal ?? current.internal,
      leasingCompany: patch.leasingCompany ?? current.leasing_company,
      leasingCompanyId: has('leasingCompanyId')
        ? (patch.leasingCompanyId ?? null)
        : current.leasing_company_id,
    });
    if (phoneUnchanged) {
      // The stored phone was normalised when it was written; it is not parsed again.
      built.row.phone = current.phone;
      built.row.phone_raw = current.phone_raw;
      built.row.phone_national = current.phone_national;
      built.subject.phone = current.phone;
    }
    built.errors.unshift(...cleared);
    return built;
  }

  private buildWrite(tenant: CallerTenant, fields: WriteFields): BuiltWrite {
    const errors: FieldError[] = [];
    const text = (value: string | null): string | null =>
      value === null || value.trim() === '' ? null : value.trim();
    let phone: ReturnType<typeof normalisePhone> = null;
    const rawPhone = text(fields.phone);
    if (rawPhone !== null) {
      phone = normalisePhone(rawPhone, tenant.country);
      if (!phone) {
        errors.push({
          field: 'phone',
          reason: 'invalid_phone',
          message: invalidPhoneMessage('phone', rawPhone, tenant.country),
        });
      }
    }
    const row: CustomerWrite = {
      kind: fields.kind,
      first_name: text(fields.firstName),
      last_name: text(fields.lastName),
      company_name: text(fields.companyName),
      business_id: text(fields.businessId),
      phone: phone?.e164 ?? null,
      phone_raw: phone?.raw ?? null,
      phone_national: phone?.nationalDigits ?? null,
      email: text(fields.email)?.toLowerCase() ?? null,
      addresses: fields.addresses.map((a) => ({ ...a })),
      notes: text(fields.notes),
      status: fields.status,
      customer_number: fields.customerNumber,
      station_ids: [...new Set(fields.stationIds)],
      external_ids: fields.externalIds.map((e) => ({ system: e.system, id: e.id })),
      description: text(fields.description),
      group_ids: [...new Set(fields.groupIds)],
      source_id: fields.sourceId,
      regular_of_user_id: fields.regularOfUserId,
      discount_percent: fields.discountPercent,
      name_day: fields.nameDay ? { month: fields.nameDay.month, day: fields.nameDay.day } : null,
      birthday: fields.birthday,
      documents: fields.documents.map((d) => ({
        type: d.type,
        series: d.series ? d.series.toUpperCase() : null,
        number: d.number.toUpperCase(),
      })),
      internal: fields.internal,
      leasing_company: fields.leasingCompany,
      leasing_company_id: text(fields.leasingCompanyId),
    };
    errors.push(...cardErrors(row));
    return {
      row,
      errors,
      subject: {
        kind: row.kind,
        firstName: row.first_name,
        lastName: row.last_name,
        companyName: row.company_name,
        businessId: row.business_id,
        // An invalid phone is reported as such, not also as missing.
        phone: row.phone ?? rawPhone,
        email: row.email,
        notes: row.notes,
        addresses: row.addresses,
        externalIds: row.external_ids,
        description: row.description,
        birthday: row.birthday,
        nameDay: row.name_day,
        documents: row.documents,
        groupIds: row.group_ids,
        sourceId: row.source_id,
        regularOfUserId: row.regular_of_user_id,
        discountPercent: row.discount_percent,
      },
    };
  }

  private async unknownLabels(tenantId: string, row: CustomerWrite): Promise<FieldError[]> {
    return [
      ...(await this.labels.unknownLabels(tenantId, 'group', row.group_ids)),
      ...(await this.labels.unknownLabels(
        tenantId,
        'source',
        row.source_id === null ? [] : [row.source_id],
      )),
    ];
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
      const conflict = await this.externalIdsConflict(tenantId, row.external_ids, null);
      errors.push(...(conflict.problem.errors ?? []));
    }
    return errors;
  }

  private async externalIdsConflict(
    tenantId: string,
    ids: ExternalIdDto[],
    exceptCustomerId: string | null,
  ): Promise<RpcProblem> {
    const taken = await this.repository.externalIdsTaken(tenantId, ids, exceptCustomerId);
    const errors: FieldError[] = taken.map((t) => ({
      field: `externalIds.${ids.findIndex((i) => i.system === t.system && i.id === t.id)}.id`,
      reason: 'taken',
      message: `external id ${t.system}:${t.id} belongs to another customer`,
    }));
    return RpcProblem.conflict(
      'external-id-taken',
      'External id taken',
      `Another customer already has ${taken.map((t) => `${t.system}:${t.id}`).join(', ') || 'this external id'}.`,
      errors,
    );
  }
}

interface WriteFields {
  kind: CustomerRow['kind'];
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  businessId: string | null;
  phone: string | null;
  email: string | null;
  addresses: CustomerRow['addresses'];
  notes: string | null;
  status: CustomerRow['status'];
  customerNumber: string;
  stationIds: string[];
  externalIds: ExternalIdDto[];
  description: string | null;
  groupIds: string[];
  sourceId: string | null;
  regularOfUserId: string | null;
  discountPercent: number | null;
  nameDay: NameDayDto | null;
  birthday: string | null;
  documents: IdentityDocumentDto[];
  internal: boolean;
  leasingCompany: boolean;
  leasingCompanyId: string | null;
}

interface BuiltWrite {
  row: CustomerWrite;
  errors: FieldError[];
  subject: RuleSubject;
}

const COLUMN_OF: Record<PatchableField, (keyof CustomerWrite)[]> = {
  kind: ['kind'],
  firstName: ['first_name'],
  lastName: ['last_name'],
  companyName: ['company_name'],
  businessId: ['business_id'],
  phone: ['phone', 'phone_raw'],
  email: ['email'],
  addresses: ['addresses'],
  notes: ['notes'],
  status: ['status'],
  customerNumber: ['customer_number'],
  stationIds: ['station_ids'],
  externalIds: ['external_ids'],
  description: ['description'],
  groupIds: ['group_ids'],
  sourceId: ['source_id'],
  regularOfUserId: ['regular_of_user_id'],
  discountPercent: ['discount_percent'],
  nameDay: ['name_day'],
  birthday: ['birthday'],
  documents: ['documents'],
  internal: ['internal'],
  leasingCompany: ['leasing_company'],
  leasingCompanyId: ['leasing_company_id'],
};

/** The days of each month in a leap year: a name day may be 29 February. */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The rules between the card's fields that single-field validation cannot see. A birthday may
 * be today anywhere on earth (UTC+14), never later, and not before 1900.
 */
function cardErrors(row: CustomerWrite): FieldError[] {
  const errors: FieldError[] = [];
  if (row.name_day && row.name_day.day > DAYS_IN_MONTH[row.name_day.month - 1]) {
    errors.push({
      field: 'nameDay.day',
      reason: 'invalid_date',
      message: `month ${row.name_day.month} has no day ${row.name_day.day}`,
    });
  }
  if (row.birthday !== null) {
    const latest = new Date(Date.now() + 14 * 3600_000).toISOString().slice(0, 10);
    if (row.birthday > latest) {
      errors.push({
        field: 'birthday',
        reason: 'in_the_future',
        message: 'birthday cannot be in the future',
      });
    } else if (row.birthday < '1900-01-01') {
      errors.push({
        field: 'birthday',
        reason: 'out_of_range',
        message: 'birthday must be 1900-01-01 or later',
      });
    }
  }
  const types = new Set<string>();
  row.documents.forEach((document, i) => {
    if (types.has(document.type)) {
      errors.push({
        field: `documents.${i}.type`,
        reason: 'duplicate',
        message: `only one document of each type (${DOCUMENT_TYPES.join(', ')})`,
      });
    }
    types.add(document.type);
  });
  if (row.leasing_company && row.kind !== 'company') {
    errors.push({
      field: 'leasingCompany',
      reason: 'company_only',
      message: 'only a company customer can be a leasing company',
    });
  }
  if (row.leasing_company_id !== null && !row.leasing_company) {
    errors.push({
      field: 'leasingCompanyId',
      reason: 'not_leasing_company',
      message: 'leasingCompanyId is only for a customer marked as a leasing company',
    });
  }
  return errors;
}

/** `dms:DMS-1` to its system and id (the DTO checked the shape). */
function parseExternalId(value: string): ExternalIdDto {
  const colon = value.indexOf(':');
  return { system: value.slice(0, colon), id: value.slice(colon + 1) };
}

function changedFields(before: CustomerRow, after: CustomerWrite): string[] {
  return PATCHABLE.filter((field) =>
    COLUMN_OF[field].some(
      // jsonb hands objects back with its own key order, so compare key-sorted.
      (column) => stableJson(before[column]) !== stableJson(after[column]),
    ),
  );
}

/**
 * A station added to a customer must be one the caller works at (an admin's list is the whole
 * tenant's), so no customer is tied to a station of another tenant. A worker keeps the stations
 * of other colleagues that a customer already has (they may not remove them either), and must
 * keep the customer at one of their own stations, or they would lose it from sight.
 */
function checkStations(
  context: CallerContext,
  stationIds: string[],
  previous: string[] = [],
): FieldError[] {
  const mine = (id: string): boolean => context.stationIds.includes(id);
  if (stationIds.some((id) => !mine(id) && !previous.includes(id))) {
    return [
      {
        field: 'stationIds',
        reason: 'unknown_station',
        message: 'stationIds may only add stations you work at',
      },
    ];
  }
  if (context.role !== 'worker') return [];
  if (previous.some((id) => !mine(id) && !stationIds.includes(id))) {
    return [
      {
        field: 'stationIds',
        reason: 'not_your_station',
        message: 'only an admin may take a customer away from a station you do not work at',
      },
    ];
  }
  if (!stationIds.some(mine)) {
    return [
      {
        field: 'stationIds',
        reason: 'required',
        message: 'stationIds must include at least one of your stations',
      },
    ];
  }
  return [];
}

function duplicateExternalIds(ids: ExternalIdDto[]): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  ids.forEach((e, i) => {
    const key = `${e.system}\u0000${e.id}`;
    if (seen.has(key)) {
      errors.push({
        field: `externalIds.${i}.id`,
        reason: 'duplicate',
        message: 'the same external id is listed twice',
      });
    }
    seen.add(key);
  });
  return errors;
}

function minus(a: ExternalIdDto[], b: ExternalIdDto[]): ExternalIdDto[] {
  return a.filter((x) => !b.some((y) => y.system === x.system && y.id === x.id));
}

/** A date without a time means the whole day. */
function endOf(value: string): Date {
  const date = new Date(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) date.setUTCDate(date.getUTCDate() + 1);
  else date.setTime(date.getTime() + 1);
  return date;
}

function customerNotFound(): RpcProblem {
  return RpcProblem.notFound('Customer');
}

function customerNumberTaken(): RpcProblem {
  return RpcProblem.conflict(
    'customer-number-taken',
    'Customer number taken',
    'Another customer of this tenant has this customer number.',
    [{ field: 'customerNumber', reason: 'taken', message: 'customerNumber is already in use' }],
  );
}
