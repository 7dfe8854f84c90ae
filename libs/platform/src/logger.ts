import pino, { type Logger } from 'pino';

/**
 * Paths that may hold personal data or secrets. Anything logged under these keys, at the top or
 * one or two levels down, is replaced by "[redacted]".
 */
export const REDACTED_KEYS = [
  'firstName',
  'lastName',
  'companyName',
  'businessId',
  'phone',
  'phoneRaw',
  'phoneE164',
  'email',
  'addresses',
  'address',
  'notes',
  'description',
  'birthday',
  'documents',
  'comment',
  'leasingCompanyId',
  'password',
  'passwordHash',
  'token',
  'accessToken',
  'authorization',
  'cookie',
  'q',
] as const;

export function redactionPaths(): string[] {
  const paths: string[] = [];
  for (const key of REDACTED_KEYS) {
    paths.push(key, `*.${key}`, `*.*.${key}`);
  }
  paths.push('req.headers.authorization', 'req.headers.cookie', 'req.query.q');
  return paths;
}

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: { paths: redactionPaths(), censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
