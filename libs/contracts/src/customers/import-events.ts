import { MAX_VEHICLE_TEXT } from '../vehicles/rules';

/**
 * The vehicles of one committed batch of a customer import (issue #16): the customers service
 * writes it in the batch's transaction, the vehicles service creates the vehicles and the owner
 * links in one transaction of its own and answers `vehicles.import.vehicles_done.v1`. Only what
 * the vehicles service needs: the row (to name it in a refusal), the customer the row made or
 * updated, and the vehicle's fields as typed (the vehicles service normalises and checks them).
 */
export const IMPORT_VEHICLES_V1 = 'customers.import.vehicles.v1';

/** The most vehicles one event carries: a commit batch is at most this many rows. */
export const IMPORT_VEHICLES_MAX_BATCH = 5000;

export interface ImportedVehicleV1 {
  /** The row of the uploaded file (1 = the first row after the header). */
  rowNumber: number;
  customerId: string;
  plate: string;
  vin: string | null;
  make: string | null;
  model: string | null;
  year: number | null;
}

export interface ImportVehiclesV1 {
  importId: string;
  /** The commit's batch, from 1, in row order: the answer names it. */
  batch: number;
  vehicles: ImportedVehicleV1[];
}

const uuid = { type: 'string', format: 'uuid' } as const;
const nullableText = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;

export const importVehiclesV1Schema = {
  $id: IMPORT_VEHICLES_V1,
  type: 'object',
  additionalProperties: true,
  required: ['importId', 'batch', 'vehicles'],
  properties: {
    importId: uuid,
    batch: { type: 'integer', minimum: 1 },
    vehicles: {
      type: 'array',
      minItems: 1,
      maxItems: IMPORT_VEHICLES_MAX_BATCH,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['rowNumber', 'customerId', 'plate', 'vin', 'make', 'model', 'year'],
        properties: {
          rowNumber: { type: 'integer', minimum: 1 },
          customerId: uuid,
          // As typed; the vehicles service checks the pattern, so that a bad plate is a
          // refusal of its row, not of the whole batch.
          plate: { type: 'string', maxLength: 200 },
          vin: nullableText(200),
          make: nullableText(10 * MAX_VEHICLE_TEXT),
          model: nullableText(10 * MAX_VEHICLE_TEXT),
          year: { type: ['integer', 'null'] },
        },
      },
    },
  },
} as const;
