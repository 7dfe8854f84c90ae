/** A UUID as text: any version, hex in either case (Postgres reads both as the same id). */
export const UUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const UUID = new RegExp(`^${UUID_PATTERN}$`, 'i');

/**
 * Whether a value can be an id at all. An id that cannot exist is looked up nowhere: it is not
 * found (a 404), never a database error about the uuid type.
 */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** `me` (the caller) or a user id, as lists filtered by a staff user take it. */
export const ME_OR_UUID = new RegExp(`^(me|${UUID_PATTERN})$`, 'i');
