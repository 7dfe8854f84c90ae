/**
 * PostgreSQL SQLSTATE classes and codes, and socket errors, that mean "the database cannot serve
 * now" rather than "this request is wrong": callers answer them with 503, not 500.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '3D000', // invalid_catalog_name: the database is gone
  '57014', // query_canceled: statement_timeout
  '55P03', // lock_not_available: lock_timeout (nothing of ours asks for NOWAIT)
  '25P03', // idle_in_transaction_session_timeout: the session was ended
]);

const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
  'connect ECONNREFUSED',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 3; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) {
      return true;
    }
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) {
      return true;
    }
    e =
      (e as { driverError?: unknown; cause?: unknown }).driverError ??
      (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The constraint a PostgreSQL unique violation (23505) names ('' when it names none), or null
 * for any other error; TypeORM's wrapper or the driver's own error alike.
 */
export function uniqueViolation(error: unknown): string | null {
  const e = error as { code?: string; constraint?: string; driverError?: unknown };
  const driver = (e.driverError ?? e) as { code?: string; constraint?: string };
  return driver.code === '23505' ? (driver.constraint ?? '') : null;
}

/**
 * A deadlock (40P01) or a serialization failure (40001): PostgreSQL rolled the transaction back
 * so that another could go on, and the same work tried again usually succeeds.
 */
export function isConflictVictim(error: unknown): boolean {
  const e = error as { code?: string; driverError?: unknown };
  const code = ((e.driverError ?? e) as { code?: string }).code;
  return code === '40P01' || code === '40001';
}
