import { ValidateBy, type ValidationOptions } from 'class-validator';

/** Where a tenant's country says nothing more precise, dates are shown in UTC. */
const ZONE_OF_COUNTRY: Record<string, string> = {
  FI: 'Europe/Helsinki',
  PL: 'Europe/Warsaw',
  FR: 'Europe/Paris',
  UA: 'Europe/Kyiv',
};

/** The time zone a new tenant gets when it names none (the migration backfills the same). */
export function defaultTimeZone(country: string): string {
  return ZONE_OF_COUNTRY[country.toUpperCase()] ?? 'UTC';
}

const SUPPORTED = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
const IANA_SHAPE = /^[A-Z][A-Za-z_-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/;

/**
 * An IANA zone name this runtime knows, spelled as IANA spells it. `Intl.supportedValuesOf` lists
 * only the runtime's canonical names: Node 20's ICU lists `Europe/Kiev` but not the current
 * `Europe/Kyiv` (nor `UTC`), so a correctly spelled alias of a listed zone is accepted too. Lower-
 * case spellings, which Intl would quietly accept, are not.
 */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 64) return false;
  if (SUPPORTED.has(value)) return true;
  if (!IANA_SHAPE.test(value)) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions();
    return SUPPORTED.has(resolved.timeZone);
  } catch {
    return false;
  }
}

export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimeZone',
      validator: {
        validate: (value: unknown): boolean => isTimeZone(value),
        defaultMessage: () => 'timeZone must be an IANA time zone such as Europe/Helsinki',
      },
    },
    options,
  );
}
