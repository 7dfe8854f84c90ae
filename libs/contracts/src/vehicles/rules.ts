/**
 * The data rules of vehicles and money, shared by the DTOs, the vehicles service and the partner
 * event checks, so that one plate or one receipt is judged the same way on every path.
 */

/** A registration plate as the system compares it: upper case, letters and digits only. */
export function normaliseRegistration(value: string): string {
  return value.toUpperCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** 17 characters of A–Z and 0–9 without I, O and Q (ISO 3779). */
export const VIN_PATTERN = /^[A-HJ-NPR-Z0-9]{17}$/;

/** A VIN typed any way: upper-cased, spaces and hyphens dropped. */
export function normaliseVin(value: string): string {
  return value.toUpperCase().replace(/[\s-]/g, '');
}

export const MIN_VEHICLE_YEAR = 1900;
/** Next year's models are sold from the autumn before. */
export const maxVehicleYear = (): number => new Date().getUTCFullYear() + 1;

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
