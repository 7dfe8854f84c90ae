import {
  AddressDto,
  CreateCustomerDto,
  CreateVehicleDto,
  ExternalIdDto,
  normaliseVin,
  type CreateCustomerDto as CreateCustomerInput,
  type FieldError,
  type FieldRulesDto,
} from '@kanta/contracts';
import {
  VALIDATION_ERROR_OPTIONS,
  fieldErrorsOfInstanceSync,
  type CallerTenant,
} from '@kanta/platform';
import type { CustomerWrite } from '../../customers/customer-row';
import { newCustomerWrite } from '../../customers/creation/customer-creation';
import { fieldRuleViolations } from '../../field-rules/field-rules';
import { fixedValueOf, isVehicleField, missingRequiredFields } from '../files/import-fields';
import { isImportMessageCode } from '../files/messages';

/**
 * One row as the file reader gives it (services/customers/src/imports/files): its number in the
 * file (the header is row 1), its values by canonical field, its cells as uploaded, and what the
 * reader found wrong with its cells (a code per field, made a message by `importMessage`).
 */
export interface ImportSourceRow {
  rowNumber: number;
  values: Partial<Record<string, string>>;
  raw: string[];
  problems: { field: string; code: string; params?: Record<string, unknown> }[];
}

/** What a row holds for the commit: the API's create body and what goes beside it. */
export interface PlannedCustomer {
  customer: CreateCustomerInput;
  /** Consent columns: true granted, false refused; absent when the cell was empty. */
  consents: { emailMarketing?: boolean; smsMarketing?: boolean };
  /** The register's own creation date (YYYY-MM-DD), when the file has one. */
  createdAt?: string;
  /** The row's vehicle, as the vehicles API takes it. */
  vehicle?: { registration: string; vin?: string; make?: string; model?: string; year?: number };
}

export interface CheckedRow {
  errors: FieldError[];
  planned: PlannedCustomer | null;
  /** The card as it would be stored (phone E.164, e-mail lower case), when the row is valid. */
  write: CustomerWrite | null;
}

/** What checking a row needs of its import and tenant. */
export interface RowCheckContext {
  tenant: CallerTenant;
  externalIdSystem: string;
  fieldRules: FieldRulesDto;
  /** The reader's problem code made a sentence in the import's locale. */
  message(code: string, params?: Record<string, unknown>): string;
}

const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: VALIDATION_ERROR_OPTIONS,
};

/** A DTO path named as the import's column: `addresses.0.postalCode` is the `postalCode` column. */
function columnOf(path: string): string {
  if (path.startsWith('addresses.0.')) return path.slice('addresses.0.'.length);
  if (path.startsWith('externalIds.')) return 'externalId';
  if (path === 'registration') return 'plate';
  return path;
}

/** A consent cell: true, false, undefined when empty, null for a word the reader does not know. */
export function consentValue(
  field: 'emailMarketing' | 'smsMarketing',
  cell: string | undefined,
): boolean | undefined | null {
  const value = fixedValueOf(field, cell);
  return value === null ? undefined : value === undefined ? null : value === 'yes';
}

/**
 * A date cell as `YYYY-MM-DD`: `YYYY-MM-DD`, `DD.MM.YYYY` or `DD/MM/YYYY` (day first: a file's
 * `MM/DD` is not guessed); a timestamp's date part; null when it is none of them or no real day.
 */
export function dateValue(cell: string): string | null {
  const value = cell.trim();
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/.exec(value);
  let [y, m, d] = match ? [match[1], match[2], match[3]] : ['', '', ''];
  if (!match) {
    match = /^(\d{1,2})[./](\d{1,2})[./](\d{4})(?: .*)?$/.exec(value);
    if (!match) return null;
    [d, m, y] = [match[1], match[2], match[3]];
  }
  const iso = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso;
}

const present = (value: string | undefined): value is string =>
  value !== undefined && value.trim() !== '';

/**
 * A row checked by the rules of the API, from the same code: the row made the API's create body
 * (`CreateCustomerDto`) and validated by its class-validator rules and input rules, then
 * `buildCustomerWrite` (phone to E.164 in the tenant's country, the card's own rules) and the
 * tenant's field rules, as a create is; a vehicle by the vehicles API's `CreateVehicleDto`. The
 * reader's problems come first; a field with one is not judged again.
 */
export async function checkRow(
  row: ImportSourceRow,
  context: RowCheckContext,
): Promise<CheckedRow> {
  const checked = await checkRowByTheApi(row, context);
  if (checked.errors.length === 0) return checked;
  // The API's reasons in the import's locale, the column named by its header; a reason with no
  // sentence of the import's keeps the API's own (English).
  const errors = checked.errors.map((error) => {
    if (isImportMessageCode(error.reason)) return error; // the reader's, in the locale already
    const message = context.message(error.reason, { field: error.field });
    return message === error.reason ? error : { ...error, message };
  });
  return { ...checked, errors };
}

async function checkRowByTheApi(
  row: ImportSourceRow,
  context: RowCheckContext,
): Promise<CheckedRow> {
  const errors: FieldError[] = row.problems.map((problem) => ({
    field: problem.field,
    reason: problem.code,
    message: context.message(problem.code, problem.params),
  }));
  const refused = new Set(errors.map((error) => error.field));
  const v = (field: string): string | undefined => {
    const value = row.values[field];
    return refused.has(field) || !present(value) ? undefined : value.trim();
  };

  const body: Record<string, unknown> = { origin: 'import' };
  let firstName = v('firstName');
  let lastName = v('lastName');
  const fullName = v('fullName');
  const companyName = v('companyName');
  const kindCell = v('kind');
  // A kind the words do not know goes to the DTO as typed, which names it.
  let kind: string | undefined = kindCell
    ? (fixedValueOf('kind', kindCell) ?? kindCell)
    : undefined;
  kind ??= companyName && !firstName && !lastName && !fullName ? 'company' : 'person';
  body.kind = kind;
  if (fullName && !firstName && !lastName) {
    if (kind === 'company' && !companyName) {
      body.companyName = fullName;
    } else {
      const space = fullName.lastIndexOf(' ');
      if (space > 0) {
        firstName = fullName.slice(0, space).trim();
        lastName = fullName.slice(space + 1);
      } else {
        lastName = fullName;
      }
    }
  }
  const copy = (field: string, value: string | undefined): void => {
    if (value !== undefined) body[field] = value;
  };
  copy('firstName', firstName);
  copy('lastName', lastName);
  copy('companyName', companyName);
  for (const field of ['businessId', 'phone', 'email', 'notes', 'customerNumber']) {
    copy(field, v(field));
  }
  const birthday = v('birthday');
  if (birthday !== undefined) {
    const day = dateValue(birthday);
    if (day) body.birthday = day;
    else
      errors.push({
        field: 'birthday',
        reason: 'invalid_date',
        message: 'birthday must be a date such as 1980-05-17, 17.05.1980 or 17/05/1980',
      });
  }
  const address: Record<string, string> = {};
  for (const field of ['street', 'postalCode', 'city']) {
    const value = v(field);
    if (value !== undefined) address[field] = value;
  }
  const country = v('country');
  if (country !== undefined) address.country = country.toUpperCase();
  if (Object.keys(address).length > 0) body.addresses = [{ type: 'home', ...address }];
  const externalId = v('externalId');
  if (externalId !== undefined) {
    body.externalIds = [{ system: context.externalIdSystem, id: externalId }];
  }

  const consents: PlannedCustomer['consents'] = {};
  for (const field of ['emailMarketing', 'smsMarketing'] as const) {
    const value = consentValue(field, v(field));
    if (value === null) {
      errors.push({
        field,
        reason: 'invalid_consent',
        message: `${field} must be yes or no (or empty: no decision)`,
      });
    } else if (value !== undefined) {
      consents[field] = value;
    }
  }
  let createdAt: string | undefined;
  const createdCell = v('createdAt');
  if (createdCell !== undefined) {
    const day = dateValue(createdCell);
    if (day) createdAt = day;
    else
      errors.push({
        field: 'createdAt',
        reason: 'invalid_date',
        message: 'createdAt must be a date such as 2019-03-01, 01.03.2019 or 01/03/2019',
      });
  }

  const vehicle = await checkVehicle(row, v, errors);

  // The instance plainToInstance would make of the body (its transforms are of fields an import
  // does not set), built directly: a million rows cannot pay class-transformer's walk each.
  const instance = Object.assign(new CreateCustomerDto(), body);
  if (body.addresses) {
    instance.addresses = (body.addresses as object[]).map((a) =>
      Object.assign(new AddressDto(), a),
    );
  }
  if (body.externalIds) {
    instance.externalIds = (body.externalIds as object[]).map((e) =>
      Object.assign(new ExternalIdDto(), e),
    );
  }
  const dtoErrors = fieldErrorsOfInstanceSync(instance, VALIDATOR_OPTIONS);
  for (const error of dtoErrors) errors.push({ ...error, field: columnOf(error.field) });
  if (dtoErrors.length > 0) return { errors, planned: null, write: null };

  // The create's own defaults (a person, active, no groups…): the body sets none of the rest.
  const built = newCustomerWrite(context.tenant, instance, []);
  // An import sets no stations, groups or source: of CustomerCardRules' checks only the tenant's
  // field rules apply, and they are the same function.
  for (const error of [
    ...built.errors,
    ...fieldRuleViolations(context.fieldRules, built.subject),
  ]) {
    errors.push({ ...error, field: columnOf(error.field) });
  }
  if (errors.length > 0) return { errors, planned: null, write: null };
  return {
    errors,
    planned: {
      customer: body as unknown as CreateCustomerInput,
      consents,
      ...(createdAt ? { createdAt } : {}),
      ...(vehicle ? { vehicle } : {}),
    },
    write: built.row,
  };
}

async function checkVehicle(
  row: ImportSourceRow,
  v: (field: string) => string | undefined,
  errors: FieldError[],
): Promise<PlannedCustomer['vehicle'] | undefined> {
  const plate = v('plate');
  const vin = v('vin');
  const make = v('make');
  const model = v('model');
  const yearCell = v('year');
  if (!plate && !vin && !make && !model && !yearCell) return undefined;
  // A vehicle needs its plate, make and model (the template's rule, FixIQ's); who the owner is
  // named by is the tenant's field rules', as for any customer.
  const missing = missingRequiredFields((field) => v(field) !== undefined).filter(isVehicleField);
  for (const field of missing) {
    errors.push({ field, reason: 'required', message: `${field} is required with a vehicle` });
  }
  const body: Record<string, unknown> = {};
  if (plate !== undefined) body.registration = plate;
  if (vin !== undefined) body.vin = normaliseVin(vin);
  if (make !== undefined) body.make = make;
  if (model !== undefined) body.model = model;
  if (yearCell !== undefined) body.year = /^\d{1,4}$/.test(yearCell) ? Number(yearCell) : yearCell;
  const instance = Object.assign(new CreateVehicleDto(), body);
  const vehicleErrors = fieldErrorsOfInstanceSync(instance, VALIDATOR_OPTIONS);
  for (const error of vehicleErrors) errors.push({ ...error, field: columnOf(error.field) });
  if (vehicleErrors.length > 0 || missing.length > 0 || row.problems.length > 0) return undefined;
  return body as PlannedCustomer['vehicle'];
}
