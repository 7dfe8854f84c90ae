import type {
  AddressDto,
  CustomerKind,
  CustomerOrigin,
  CustomerRecordStatus,
  ExternalIdDto,
  IdentityDocumentDto,
  NameDayDto,
} from '@kanta/contracts';

/**
 * A customer as the service works with it: a customers.customers row with its sensitive fields
 * already opened (the repository seals and opens them; see sensitive/sensitive-data.ts).
 */
export interface CustomerRow {
  id: string;
  tenant_id: string;
  kind: CustomerKind;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  business_id: string | null;
  phone: string | null;
  phone_raw: string | null;
  phone_national: string | null;
  email: string | null;
  addresses: AddressDto[];
  notes: string | null;
  /** `erased` only by the erasure (customer-erasure.ts): the write paths refuse an erased card. */
  status: CustomerRecordStatus;
  customer_number: string;
  station_ids: string[];
  origin: CustomerOrigin;
  external_ids: ExternalIdDto[];
  description: string | null;
  group_ids: string[];
  source_id: string | null;
  regular_of_user_id: string | null;
  /** numeric comes back from pg as text; the repository makes it a number. */
  discount_percent: number | null;
  name_day: NameDayDto | null;
  birthday: string | null;
  documents: IdentityDocumentDto[];
  internal: boolean;
  leasing_company: boolean;
  leasing_company_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  erased_at: Date | null;
  /**
   * Status `merged`: the customer it lives on as, the end of the chain of merges
   * (customers.merge_chain_end); null otherwise.
   */
  merged_into: string | null;
  /** The pending deletion request the privacy service announced (ids and dates). */
  deletion_request_id?: string | null;
  deletion_requested_at?: Date | null;
  deletion_due_at?: Date | null;
}

/** The columns a write sets; everything else has a default or is generated. */
export type CustomerWrite = Omit<
  CustomerRow,
  | 'id'
  | 'tenant_id'
  | 'origin'
  | 'version'
  | 'created_at'
  | 'updated_at'
  | 'erased_at'
  | 'merged_into'
  | 'deletion_request_id'
  | 'deletion_requested_at'
  | 'deletion_due_at'
>;

/** The fields of the card nobody gave when a customer is made from a few contact details. */
type CardExtras =
  | 'business_id'
  | 'addresses'
  | 'notes'
  | 'status'
  | 'description'
  | 'group_ids'
  | 'source_id'
  | 'regular_of_user_id'
  | 'discount_percent'
  | 'name_day'
  | 'birthday'
  | 'documents'
  | 'internal'
  | 'leasing_company'
  | 'leasing_company_id';

/**
 * What a customer made from a few contact details (by a partner event, or a benchmark) has in
 * the rest of the card: an active customer with nothing else filled in. A new object each time.
 */
export function blankCard(): Pick<CustomerWrite, CardExtras> {
  return {
    business_id: null,
    addresses: [],
    notes: null,
    status: 'active',
    description: null,
    group_ids: [],
    source_id: null,
    regular_of_user_id: null,
    discount_percent: null,
    name_day: null,
    birthday: null,
    documents: [],
    internal: false,
    leasing_company: false,
    leasing_company_id: null,
  };
}
