import type { ExternalIdDto, FieldError, UpdateCustomerDto } from '@kanta/contracts';
import { stableJson, type CallerTenant } from '@kanta/platform';
import type { CustomerRow, CustomerWrite } from '../customer-row';
import { buildCustomerWrite, type BuiltWrite } from '../customer-write';

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

/** JSON merge-patch: an absent field keeps its value, null clears it. */
export function mergePatch(
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
  const built = buildCustomerWrite(tenant, {
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

/** The fields shown masked to a caller who may not see sensitive data. */
const MASKED_FIELDS = ['birthday', 'documents'] as const satisfies readonly PatchableField[];

/**
 * The fields a patch changes, in PATCHABLE's order: those whose stored value the merged card
 * changes, and every masked field the patch names when the caller cannot see it. Such a caller
 * sending the value on file would otherwise learn it was right from a version that stays the same,
 * so for them writing a masked field is always a change (a new version and an update event).
 */
export function changedFields(
  before: CustomerRow,
  after: CustomerWrite,
  blindTo: { patch: UpdateCustomerDto; seesMasked: boolean },
): string[] {
  const blindlyWritten = (field: PatchableField): boolean =>
    !blindTo.seesMasked &&
    (MASKED_FIELDS as readonly string[]).includes(field) &&
    blindTo.patch[field] !== undefined;
  return PATCHABLE.filter(
    (field) =>
      blindlyWritten(field) ||
      COLUMN_OF[field].some(
        // jsonb hands objects back with its own key order, so compare key-sorted.
        (column) => stableJson(before[column]) !== stableJson(after[column]),
      ),
  );
}

/** The external ids of `a` that `b` does not have. */
export function minus(a: ExternalIdDto[], b: ExternalIdDto[]): ExternalIdDto[] {
  return a.filter((x) => !b.some((y) => y.system === x.system && y.id === x.id));
}
