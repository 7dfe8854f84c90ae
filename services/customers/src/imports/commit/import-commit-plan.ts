import type {
  CreateCustomerDto,
  FieldError,
  ImportDuplicatePolicy,
  ImportOutcome,
  ImportResult,
  UpdateCustomerDto,
} from '@kanta/contracts';
import type { CustomerRow } from '../../customers/customer-row';

/**
 * What the dry run leaves in `import_rows.planned` for the commit (docs/import.md, "Tables"): the
 * API's create body, the consent columns, and the row's vehicle as the vehicles API takes it.
 */
export interface PlannedImportRow {
  customer: CreateCustomerDto;
  /** true granted, false refused; absent when the cell was empty. */
  consents?: { emailMarketing?: boolean; smsMarketing?: boolean };
  createdAt?: string;
  vehicle?: { registration: string; vin?: string; make?: string; model?: string; year?: number };
}

/** A row of `import_rows` as the commit reads it. */
export interface ImportRowRecord {
  row_number: number;
  outcome: ImportOutcome;
  customer_id: string | null;
  planned: PlannedImportRow | null;
}

/** What the commit does with a row, by its outcome and the import's policy for duplicates. */
export type RowAction = 'create' | 'update' | 'merge' | 'skip' | 'none';

export function actionOf(outcome: ImportOutcome, policy: ImportDuplicatePolicy): RowAction {
  switch (outcome) {
    case 'create':
      return 'create';
    case 'update':
      return 'update';
    case 'duplicate':
      return policy === 'skip' ? 'skip' : policy === 'create' ? 'create' : 'merge';
    // The earlier row it repeats is the customer; this one adds nothing.
    case 'duplicate_in_file':
      return 'skip';
    // Never committable; its errors stay for errors.xlsx.
    case 'error':
      return 'none';
  }
}

/** A row's result, with its customer and why it failed. */
export interface RowResult {
  rowNumber: number;
  result: ImportResult;
  customerId: string | null;
  errors?: FieldError[];
}

/** The fields of a row an update or a merge writes onto an existing card. */
const CARD_FIELDS = [
  'kind',
  'firstName',
  'lastName',
  'companyName',
  'businessId',
  'phone',
  'email',
  'addresses',
  'notes',
  'birthday',
] as const satisfies readonly (keyof CreateCustomerDto & keyof UpdateCustomerDto)[];

type CardField = (typeof CARD_FIELDS)[number];

const emptyOn = (current: CustomerRow, field: CardField): boolean => {
  switch (field) {
    case 'kind':
      // Every card has a kind: a merge never changes it.
      return false;
    case 'firstName':
      return current.first_name === null;
    case 'lastName':
      return current.last_name === null;
    case 'companyName':
      return current.company_name === null;
    case 'businessId':
      return current.business_id === null;
    case 'phone':
      return current.phone === null;
    case 'email':
      return current.email === null;
    case 'addresses':
      return current.addresses.length === 0;
    case 'notes':
      return current.notes === null;
    case 'birthday':
      return current.birthday === null;
  }
};

/**
 * The patch an update or a merge applies to the existing card (a merge-patch, as the API's
 * update takes it): an update writes every field the row has; a merge only the card's empty
 * ones. The customer number, stations, groups and external ids stay the card's.
 */
export function patchOf(
  action: 'update' | 'merge',
  current: CustomerRow,
  planned: CreateCustomerDto,
): UpdateCustomerDto {
  const patch: Record<string, unknown> = {};
  for (const field of CARD_FIELDS) {
    const value = planned[field];
    if (value === undefined || value === null) continue;
    if (action === 'merge' && !emptyOn(current, field)) continue;
    patch[field] = value;
  }
  return patch;
}
