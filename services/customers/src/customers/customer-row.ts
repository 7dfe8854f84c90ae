import type {
  AddressDto,
  CustomerKind,
  CustomerOrigin,
  CustomerStatus,
  CustomerView,
  ExternalIdDto,
} from '@kanta/contracts';

/** A customers.customers row as the repository reads it. */
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
  status: CustomerStatus;
  customer_number: string;
  station_ids: string[];
  origin: CustomerOrigin;
  external_ids: ExternalIdDto[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** The columns a write sets; everything else has a default or is generated. */
export type CustomerWrite = Pick<
  CustomerRow,
  | 'kind'
  | 'first_name'
  | 'last_name'
  | 'company_name'
  | 'business_id'
  | 'phone'
  | 'phone_raw'
  | 'phone_national'
  | 'email'
  | 'addresses'
  | 'notes'
  | 'status'
  | 'customer_number'
  | 'station_ids'
  | 'external_ids'
>;

export function toCustomerView(row: CustomerRow): CustomerView {
  return {
    id: row.id,
    kind: row.kind,
    firstName: row.first_name,
    lastName: row.last_name,
    companyName: row.company_name,
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
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
  };
}
