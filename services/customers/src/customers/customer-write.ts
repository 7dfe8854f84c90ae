import {
  DOCUMENT_TYPES,
  type ExternalIdDto,
  type FieldError,
  type IdentityDocumentDto,
  type NameDayDto,
  invalidPhoneMessage,
  normalisePhone,
} from '@kanta/contracts';
import type { CallerTenant } from '@kanta/platform';
import type { RuleSubject } from '../field-rules/field-rules';
import type { CustomerRow, CustomerWrite } from './customer-row';

/** A card's fields as a create or a merged patch gives them, before they are normalised. */
export interface WriteFields {
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

/** The row to write, what is wrong with it on its own, and what the tenant's field rules read. */
export interface BuiltWrite {
  row: CustomerWrite;
  errors: FieldError[];
  subject: RuleSubject;
}

/**
 * The card as it is stored: text trimmed (blank is none), the phone parsed in the tenant's
 * country, the email lower-cased, documents upper-cased; with the errors of the card's own rules.
 */
export function buildCustomerWrite(tenant: CallerTenant, fields: WriteFields): BuiltWrite {
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
