import { isUuid } from '@kanta/contracts';
import { decodeKeysetCursor, encodeKeysetCursor } from '@kanta/platform';

// Characters people put inside phone numbers as they type them.
const PHONE_PART = /^\+?[\d()\-./]*\d[\d()\-./]*$/;

/**
 * Splits a search into the words that must all match. Groups of adjacent phone-like parts are
 * one phone number ("040 123 4567", "+358 40 1234567"), so they are joined and reduced to digits,
 * the form search_text keeps phones in; a leading international 00 is dropped like a "+".
 * Case and accents are folded later, in SQL, by the same function that builds search_text.
 */
export function tokeniseSearch(q: string | undefined): string[] {
  const parts = (q ?? '').trim().split(/\s+/).filter(Boolean);
  const words: string[] = [];
  let phone: string[] = [];
  const flushPhone = (): void => {
    if (phone.length === 0) return;
    // "+358 (0)40 …": the bracketed trunk zero is not dialled after a country code.
    const typed = phone.join('').replace(/^(\+\d{1,3})\(0\)/, '$1');
    let digits = typed.replace(/\D/g, '');
    // 00 dials abroad like "+"; short digit runs starting 00 are more likely customer numbers.
    if (digits.startsWith('00') && digits.length >= 10) digits = digits.slice(2);
    if (digits !== '') words.push(digits);
    phone = [];
  };
  for (const part of parts) {
    if (PHONE_PART.test(part)) {
      phone.push(part);
    } else {
      flushPhone();
      words.push(part.toLowerCase());
    }
  }
  flushPhone();
  return [...new Set(words)];
}

/** A word as a LIKE pattern that matches it anywhere, with LIKE's own characters escaped. */
export function containsPattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface SearchCursor {
  /** The id of the last customer of the previous page; results run newest first by id. */
  id: string;
}

/** Opaque to callers: the last row's key, for keyset pagination. */
export function encodeCursor(cursor: SearchCursor): string {
  return encodeKeysetCursor([cursor.id]);
}

export function decodeCursor(raw: string): SearchCursor {
  const [id] = decodeKeysetCursor(raw, (parts) => parts.length === 1 && isUuid(parts[0]));
  return { id };
}
