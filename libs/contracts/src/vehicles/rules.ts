/**
 * The data rules of vehicles and money, shared by the DTOs, the vehicles service and the partner
 * event checks, so that one plate or one receipt is judged the same way on every path.
 */

/** A registration plate as the system compares it: upper case, letters and digits only. */
export function normaliseRegistration(value: string): string {
  return value.toUpperCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** Letters and digits, single spaces, hyphens or dots between them; at most 20 characters. */
export const REGISTRATION_PATTERN = /^[\p{L}\p{N}](?:[\p{L}\p{N}]|[ .-](?=[\p{L}\p{N}])){0,19}$/u;

/** 17 characters of A–Z and 0–9 without I, O and Q (ISO 3779). */
export const VIN_PATTERN = /^[A-HJ-NPR-Z0-9]{17}$/;

/** A VIN typed any way: upper-cased, spaces and hyphens dropped. */
export function normaliseVin(value: string): string {
  return value.toUpperCase().replace(/[\s-]/g, '');
}

export const MIN_VEHICLE_YEAR = 1900;
/** Next year's models are sold from the autumn before. */
export const maxVehicleYear = (): number => new Date().getUTCFullYear() + 1;

/** The longest make or model the vehicles API takes. */
export const MAX_VEHICLE_TEXT = 60;

/** A vehicle as an import or another bulk path brings it: text as typed, a year as a number. */
export interface VehicleFieldsInput {
  plate: string;
  vin?: string | null;
  make?: string | null;
  model?: string | null;
  year?: number | null;
}

/** A rule a vehicle's field breaks: the field and a code, never the value. */
export interface VehicleFieldProblem {
  field: 'plate' | 'vin' | 'make' | 'model' | 'year';
  reason: 'required' | 'invalid' | 'too-long' | 'out-of-range';
}

/**
 * The vehicles API's rules (CreateVehicleDto's) for a path that takes many vehicles at once and
 * cannot run class-validator per row: the plate's pattern, the VIN's after normalising, the
 * year's range, the length of make and model. An empty list: the vehicle is valid.
 */
export function vehicleFieldProblems(v: VehicleFieldsInput): VehicleFieldProblem[] {
  const problems: VehicleFieldProblem[] = [];
  const plate = v.plate.trim();
  if (plate === '') problems.push({ field: 'plate', reason: 'required' });
  else if (!REGISTRATION_PATTERN.test(plate)) problems.push({ field: 'plate', reason: 'invalid' });
  const vin = v.vin ? normaliseVin(v.vin) : '';
  if (vin !== '' && !VIN_PATTERN.test(vin)) problems.push({ field: 'vin', reason: 'invalid' });
  for (const field of ['make', 'model'] as const) {
    const text = v[field];
    if (text && text.trim().length > MAX_VEHICLE_TEXT) problems.push({ field, reason: 'too-long' });
  }
  const year = v.year;
  if (year !== null && year !== undefined) {
    if (!Number.isInteger(year)) problems.push({ field: 'year', reason: 'invalid' });
    else if (year < MIN_VEHICLE_YEAR || year > maxVehicleYear()) {
      problems.push({ field: 'year', reason: 'out-of-range' });
    }
  }
  return problems;
}

/** ISO 4217 alphabetic code. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

export interface MoneyLine {
  quantity: number;
  unitPriceMinor: number;
  totalMinor: number;
}

/**
 * A line's total is its quantity times its VAT-inclusive unit price, rounded to the minor unit;
 * the receipt's total is the sum of its lines. Returns one message per rule broken, with the
 * path of the field (`lines.1.totalMinor`, `totalMinor`).
 */
export function saleTotalsProblems(
  lines: MoneyLine[],
  totalMinor: number,
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  lines.forEach((line, i) => {
    const expected = Math.round(line.quantity * line.unitPriceMinor);
    if (expected !== line.totalMinor) {
      problems.push({
        field: `lines.${i}.totalMinor`,
        message: `lines.${i}.totalMinor must be quantity × unitPriceMinor = ${expected}`,
      });
    }
  });
  const sum = lines.reduce((s, line) => s + line.totalMinor, 0);
  if (sum !== totalMinor) {
    problems.push({
      field: 'totalMinor',
      message: `totalMinor must be the sum of the line totals = ${sum}`,
    });
  }
  return problems;
}

/** A date-time with a zone (`Z` or `+02:00`): a booking time without one is ambiguous. */
export const ZONED_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
export const DATE_OR_ZONED_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
