import { consentsGivenSchema, type ConsentsGiven } from '../consents/events';
import type { VehicleRole } from './vehicle.dto';
import type { VisitChannel, VisitKind, VisitStatus } from './visit.dto';

/*
 * Vehicle events carry the vehicle's searchable identity (normalised plate, VIN) and its links:
 * the customers service keeps them as a search projection. No make, model or notes. Visit and
 * sale events carry ids, classification and amounts, never notes or personal data.
 */
export const VEHICLE_CREATED_V1 = 'vehicles.vehicle.created.v1';
export const VEHICLE_UPDATED_V1 = 'vehicles.vehicle.updated.v1';
export const VEHICLE_LINKED_V1 = 'vehicles.vehicle.linked.v1';
export const VEHICLE_UNLINKED_V1 = 'vehicles.vehicle.unlinked.v1';
export const VISIT_RECORDED_V1 = 'vehicles.visit.recorded.v1';
export const VISIT_UPDATED_V1 = 'vehicles.visit.updated.v1';
export const SALE_RECORDED_V1 = 'vehicles.sale.recorded.v1';

/** The whole searchable state of a vehicle after the change: consumers keep the newest version. */
export interface VehicleStateV1 {
  vehicleId: string;
  /** Normalised: upper case, letters and digits only. */
  registration: string;
  vin: string | null;
  customers: { customerId: string; role: VehicleRole; isDefault: boolean }[];
  version: number;
}

export interface VisitEventV1 {
  visitId: string;
  stationId: string;
  customerId: string | null;
  vehicleId: string | null;
  kind: VisitKind;
  channel: VisitChannel;
  status: VisitStatus;
  scheduledAt: string;
  version: number;
  /** Only on `recorded`, when reception recorded the visit with consent decisions. */
  consents?: ConsentsGiven;
}

export interface SaleRecordedV1 {
  saleId: string;
  stationId: string;
  customerId: string | null;
  visitId: string | null;
  soldAt: string;
  currency: string;
  totalMinor: number;
  /**
   * The sums of the receipt's `service` and `product` lines (minor units; they add up to
   * totalMinor). Absent from events written before they were added.
   */
  servicesMinor?: number;
  productsMinor?: number;
}

const uuid = { type: 'string', format: 'uuid' } as const;
const nullableUuid = { type: ['string', 'null'], format: 'uuid' } as const;

const vehicleStateSchema = (id: string): object => ({
  $id: id,
  type: 'object',
  additionalProperties: true,
  required: ['vehicleId', 'registration', 'vin', 'customers', 'version'],
  properties: {
    vehicleId: uuid,
    registration: { type: 'string', minLength: 1, maxLength: 20 },
    vin: { type: ['string', 'null'], maxLength: 17 },
    customers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        required: ['customerId', 'role', 'isDefault'],
        properties: {
          customerId: uuid,
          role: { type: 'string', enum: ['owner', 'proxy'] },
          isDefault: { type: 'boolean' },
        },
      },
    },
    version: { type: 'integer', minimum: 1 },
  },
});

export const vehicleCreatedV1Schema = vehicleStateSchema(VEHICLE_CREATED_V1);
export const vehicleUpdatedV1Schema = vehicleStateSchema(VEHICLE_UPDATED_V1);
export const vehicleLinkedV1Schema = vehicleStateSchema(VEHICLE_LINKED_V1);
export const vehicleUnlinkedV1Schema = vehicleStateSchema(VEHICLE_UNLINKED_V1);

const visitSchema = (id: string): object => ({
  $id: id,
  type: 'object',
  additionalProperties: true,
  required: [
    'visitId',
    'stationId',
    'customerId',
    'vehicleId',
    'kind',
    'channel',
    'status',
    'scheduledAt',
    'version',
  ],
  properties: {
    visitId: uuid,
    stationId: uuid,
    customerId: nullableUuid,
    vehicleId: nullableUuid,
    kind: { type: 'string' },
    channel: { type: 'string' },
    status: { type: 'string', enum: ['booked', 'completed', 'cancelled', 'no_show'] },
    scheduledAt: { type: 'string', format: 'date-time' },
    version: { type: 'integer', minimum: 1 },
    consents: consentsGivenSchema,
  },
});

export const visitRecordedV1Schema = visitSchema(VISIT_RECORDED_V1);
export const visitUpdatedV1Schema = visitSchema(VISIT_UPDATED_V1);

export const saleRecordedV1Schema = {
  $id: SALE_RECORDED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['saleId', 'stationId', 'customerId', 'visitId', 'soldAt', 'currency', 'totalMinor'],
  properties: {
    saleId: uuid,
    stationId: uuid,
    customerId: nullableUuid,
    visitId: nullableUuid,
    soldAt: { type: 'string', format: 'date-time' },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    totalMinor: { type: 'integer' },
    servicesMinor: { type: 'integer' },
    productsMinor: { type: 'integer' },
  },
} as const;

/**
 * The vehicles service's answer to `customers.import.vehicles.v1`: what the batch made, once
 * per batch. `refused` names rows and fields with a reason code, never a value.
 */
export const IMPORT_VEHICLES_DONE_V1 = 'vehicles.import.vehicles_done.v1';

export type ImportVehicleRefusalReason =
  | 'required'
  | 'invalid'
  | 'too-long'
  | 'out-of-range'
  | 'vin-taken'
  | 'customer-erased'
  | 'customer-merged';

export interface ImportVehicleRefusalV1 {
  rowNumber: number;
  field: 'plate' | 'vin' | 'make' | 'model' | 'year' | 'customerId';
  reason: ImportVehicleRefusalReason;
}

export interface ImportVehiclesDoneV1 {
  importId: string;
  batch: number;
  /** New vehicles, each with the row's customer as its owner. */
  created: number;
  /** Rows whose plate the tenant had already: that vehicle got the row's customer as an owner. */
  linked: number;
  refused: ImportVehicleRefusalV1[];
}

export const importVehiclesDoneV1Schema = {
  $id: IMPORT_VEHICLES_DONE_V1,
  type: 'object',
  additionalProperties: true,
  required: ['importId', 'batch', 'created', 'linked', 'refused'],
  properties: {
    importId: uuid,
    batch: { type: 'integer', minimum: 1 },
    created: { type: 'integer', minimum: 0 },
    linked: { type: 'integer', minimum: 0 },
    refused: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['rowNumber', 'field', 'reason'],
        properties: {
          rowNumber: { type: 'integer', minimum: 1 },
          field: { type: 'string', enum: ['plate', 'vin', 'make', 'model', 'year', 'customerId'] },
          reason: {
            type: 'string',
            enum: [
              'required',
              'invalid',
              'too-long',
              'out-of-range',
              'vin-taken',
              'customer-erased',
              'customer-merged',
            ],
          },
        },
      },
    },
  },
} as const;
