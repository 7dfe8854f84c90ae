import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

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
