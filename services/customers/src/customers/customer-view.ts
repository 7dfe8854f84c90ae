import {
  ERASED_CUSTOMER_NAME,
  type CallerContext,
  type CustomerView,
  type IdentityDocumentDto,
} from '@kanta/contracts';
import type { CustomerRow } from './customer-row';

export const MASKED_BIRTHDAY = '****-**-**';

/** Admins see sensitive fields in full; workers see that they are on file, not what they say. */
export function seesSensitiveData(context: CallerContext): boolean {
  return context.role !== 'worker';
}

/** All but the last two characters replaced, so the right document can still be recognised. */
export function maskDocument(document: IdentityDocumentDto): IdentityDocumentDto {
  const mask = (value: string): string =>
    '*'.repeat(Math.max(value.length - 2, 0)) + value.slice(-2);
  return {
    type: document.type,
    series: document.series ? '*'.repeat(document.series.length) : null,
    number: mask(document.number),
  };
}

export function toCustomerView(row: CustomerRow, context: CallerContext): CustomerView {
  const full = seesSensitiveData(context);
  // An erased card keeps nothing of the person: its name is the placeholder of the caller's
  // language, on the field a list shows for its kind.
  const erasedName =
    row.status === 'erased' ? ERASED_CUSTOMER_NAME[context.tenant?.locale ?? 'en'] : null;
  return {
    id: row.id,
    kind: row.kind,
    firstName: row.first_name,
    lastName: erasedName !== null && row.kind === 'person' ? erasedName : row.last_name,
    companyName: erasedName !== null && row.kind === 'company' ? erasedName : row.company_name,
    businessId: row.business_id,
    phone: row.phone,
    phoneRaw: row.phone_raw,
    email: row.email,
    addresses: row.addresses,
    notes: row.notes,
    status: row.status,
    customerNumber: row.customer_number,
    stationIds: row.station_ids,
    origin: row.origin,
    externalIds: row.external_ids,
    description: row.description,
    groupIds: row.group_ids,
    sourceId: row.source_id,
    regularOfUserId: row.regular_of_user_id,
    discountPercent: row.discount_percent,
    nameDay: row.name_day,
    birthday: row.birthday === null || full ? row.birthday : MASKED_BIRTHDAY,
    documents: full ? row.documents : row.documents.map(maskDocument),
    internal: row.internal,
    leasingCompany: row.leasing_company,
    leasingCompanyId: row.leasing_company_id,
    sensitiveMasked: !full && (row.birthday !== null || row.documents.length > 0),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...(row.erased_at ? { erasedAt: row.erased_at.toISOString() } : {}),
    ...(row.merged_into ? { mergedInto: row.merged_into } : {}),
    ...(row.deletion_request_id && row.deletion_requested_at && row.deletion_due_at
      ? {
          deletionRequest: {
            id: row.deletion_request_id,
            requestedAt: row.deletion_requested_at.toISOString(),
            dueAt: row.deletion_due_at.toISOString(),
          },
        }
      : {}),
    version: row.version,
  };
}
