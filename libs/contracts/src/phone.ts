import {
  getCountries,
  getCountryCallingCode,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  type CountryCode,
} from 'libphonenumber-js/max';

export interface NormalisedPhone {
  /** E.164, e.g. +358401234567. */
  e164: string;
  /** Digits of the national form (0401234567 in Finland), for people who search as they dial. */
  nationalDigits: string;
  /** As the person typed it, trimmed. */
  raw: string;
}

/**
 * Normalises a phone number typed in the tenant's country. The `max` metadata is used because
 * the smaller builds accept numbers that cannot exist; anything `isValid()` refuses is null.
 */
export function normalisePhone(raw: string, defaultCountry: string): NormalisedPhone | null {
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry.toUpperCase() as CountryCode);
  if (!parsed || !parsed.isValid()) return null;
  return {
    e164: parsed.number,
    nationalDigits: parsed.formatNational().replace(/\D/g, ''),
    raw: trimmed,
  };
}

/** Countries by calling code ('33' → ['FR']), for naming the country of a number that fails. */
let countriesByCode: Map<string, CountryCode[]> | null = null;

function countriesOf(callingCode: string): CountryCode[] {
  if (!countriesByCode) {
    countriesByCode = new Map();
    for (const country of getCountries()) {
      const code = getCountryCallingCode(country);
      countriesByCode.set(code, [...(countriesByCode.get(code) ?? []), country]);
    }
  }
  return countriesByCode.get(callingCode) ?? [];
}

/** `+33 (FR)`: the calling code a number starts with, and its countries; null if none has it. */
function callingCodeOf(international: string): string | null {
  const digits = international.replace(/[^\d]/g, '');
  for (const length of [1, 2, 3]) {
    const code = digits.slice(0, length);
    const countries = countriesOf(code);
    if (countries.length > 0) return `+${code} (${countries.join(', ')})`;
  }
  return null;
}

/**
 * Why `normalisePhone` refused a number, as a message about `field`: what is wrong (too short, too
 * long, no such number range, no such country code, not a number) and where it was read (the
 * country of its +code, or the tenant's country for a number typed without one). The number
 * itself is not repeated.
 */
export function invalidPhoneMessage(field: string, raw: string, defaultCountry: string): string {
  const trimmed = raw.trim();
  const country = defaultCountry.toUpperCase() as CountryCode;
  const international = trimmed.startsWith('+') || trimmed.startsWith('00');
  const where = international
    ? callingCodeOf(trimmed.replace(/^00/, '+'))
    : `${country} (read in ${country}: it has no +country code)`;
  switch (validatePhoneNumberLength(trimmed, country)) {
    case 'NOT_A_NUMBER':
      return `${field} is not a phone number`;
    case 'INVALID_COUNTRY':
      return `${field} starts with a country code that no country has`;
    case 'TOO_SHORT':
      return `${field} is too short for a phone number of ${where}`;
    case 'TOO_LONG':
      return `${field} is too long for a phone number of ${where}`;
    case 'INVALID_LENGTH':
      return `${field} has a length no phone number of ${where} has`;
    case undefined:
      return `${field} is not in any number range of ${where}`;
  }
}
