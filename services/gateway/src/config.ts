import { RPC_SERVICES, type RpcService } from '@kanta/contracts';
import { readServiceDatabaseSettings, type ServiceDatabaseSettings } from '@kanta/database';
import {
  intFromEnv,
  readConfig,
  readInfrastructureConfig,
  rpcQueueName,
  stringFromEnv,
  type EnvReader,
} from '@kanta/platform';

/** Only for development and tests; production refuses to start without JWT_SECRET. */
const DEV_JWT_SECRET = 'kanta-development-secret-do-not-use-in-production';

export interface GatewayConfig {
  port: number;
  host: string;
  production: boolean;
  logLevel: string;
  /** Its roles on the database (GATEWAY_DB_USER, GATEWAY_DB_OWNER, …; see README.md). */
  database: ServiceDatabaseSettings;
  amqpUrl: string;
  /** Where partner events are published (EVENTS_EXCHANGE). */
  eventsExchange: string;
  /** Prefix of the gateway's events queues (EVENTS_QUEUE_PREFIX; tests give each file its own). */
  eventsQueuePrefix: string;
  redisUrl: string;
  /** Every Redis key the gateway writes starts with this (tests give each file its own). */
  redisKeyPrefix: string;
  jwtSecret: string;
  jwtExpiresInSeconds: number;
  rpcTimeoutMs: number;
  /** Command queue of each service the gateway calls. */
  rpcQueues: Record<RpcService, string>;
  /** Requests to the login route allowed per minute and client IP (counted before the body). */
  loginAttemptsPerMinute: number;
  /** Wrong passwords for an account before each further attempt has to wait. */
  loginFreeFailures: number;
  /** The longest wait the per-account login back-off imposes. */
  loginBackoffMaxSeconds: number;
  /** Partner event requests allowed per minute and API key (counted before the body). */
  partnerRequestsPerMinute: number;
  /**
   * How long a verified user's identity (tenant, role, stations, token version) is reused without
   * a query: also how long another instance may still take a token a password change ended.
   */
  identityCacheMs: number;
  /** Largest accepted JSON body, in bytes, on routes that do not set a smaller one. */
  bodyLimitBytes: number;
  /** Largest import file (IMPORT_MAX_BYTES, default 256 MiB), streamed to customers in chunks. */
  importMaxBytes: number;
  /**
   * Express's `trust proxy`: which hops' X-Forwarded-For to believe for the client IP (the
   * login rate limit is per IP). false when the gateway faces clients directly.
   */
  trustProxy: boolean | number | string;
  bootstrapSuperadmin: { email: string; password: string } | null;
  /**
   * The access audit (src/audit): whether reads, searches and edits of customers are recorded
   * (AUDIT_ACCESS, on by default; off only to measure what it costs), and how often and at what
   * size the buffered records are flushed, and where to: published straight to the broker with
   * confirms, into the outbox when that fails (AUDIT_PUBLISH=direct, the default), or always
   * into the outbox (`outbox`, the path before; kept to compare the two).
   */
  accessAudit: {
    enabled: boolean;
    flushIntervalMs: number;
    maxBatch: number;
    publish: 'direct' | 'outbox';
  };
}

/** '' or unset: trust no proxy; a number: that many hops; else Express's list (loopback, CIDRs). */
function trustProxyFromEnv(raw: string | undefined, problems: string[]): boolean | number | string {
  if (raw === undefined || raw.trim() === '' || raw === 'false') return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  if (/^[\w.:/, ]+$/.test(raw)) return raw;
  problems.push(
    `GATEWAY_TRUST_PROXY must be a hop count, or addresses/CIDRs/loopback separated by commas, got "${raw}"`,
  );
  return false;
}

/** Passwords published in this repository (demo data, examples): never a production password. */
const PUBLISHED_PASSWORDS = new Set(['demo-password', 'e2e-password-1', 'correct-horse-battery']);
const MIN_PRODUCTION_PASSWORD = 12;

/**
 * Production starts only with a bootstrap superadmin password of its own: without one, or with
 * one from the demo data, it refuses to start. The password creates the superadmin once; change
 * it through `POST /api/v1/me/password` after the first login.
 */
function productionPasswordProblems(password: string): string[] {
  if (password === '') {
    return [
      'GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD is required when NODE_ENV is production (the first superadmin is created with it; change it after the first login)',
    ];
  }
  if (PUBLISHED_PASSWORDS.has(password)) {
    return [
      'GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD is a published demo password; choose your own for production',
    ];
  }
  if (password.length < MIN_PRODUCTION_PASSWORD) {
    return [
      `GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD must be at least ${MIN_PRODUCTION_PASSWORD} characters long in production`,
    ];
  }
  return [];
}

export const readGatewayEnv: EnvReader<GatewayConfig> = (env, problems) => {
  const infrastructure = readInfrastructureConfig(env, problems);
  const production = env.NODE_ENV === 'production';
  const jwtSecret = env.JWT_SECRET ?? '';
  if (jwtSecret === '' && production) {
    problems.push('JWT_SECRET is required when NODE_ENV is production');
  } else if (jwtSecret !== '' && jwtSecret.length < 32) {
    problems.push('JWT_SECRET must be at least 32 characters long');
  }
  const bootstrapEmail = env.GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL ?? '';
  const bootstrapPassword = env.GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD ?? '';
  if ((bootstrapEmail === '') !== (bootstrapPassword === '')) {
    problems.push(
      'GATEWAY_BOOTSTRAP_SUPERADMIN_EMAIL and GATEWAY_BOOTSTRAP_SUPERADMIN_PASSWORD go together',
    );
  }
  if (production) problems.push(...productionPasswordProblems(bootstrapPassword));
  return {
    port: intFromEnv(env, problems, 'GATEWAY_PORT', 3000, { min: 0, max: 65535 }),
    host: stringFromEnv(env, problems, 'GATEWAY_HOST', '0.0.0.0'),
    production,
    logLevel: stringFromEnv(
      env,
      problems,
      'LOG_LEVEL',
      'info',
      /^(fatal|error|warn|info|debug|trace|silent)$/,
    ),
    database: readServiceDatabaseSettings(env, problems, 'gateway'),
    amqpUrl: infrastructure.amqpUrl,
    eventsExchange: infrastructure.eventsExchange,
    eventsQueuePrefix: infrastructure.eventsQueuePrefix,
    redisUrl: infrastructure.redisUrl,
    redisKeyPrefix: stringFromEnv(
      env,
      problems,
      'REDIS_KEY_PREFIX',
      'kanta:gateway:',
      /^[\w:.-]*$/,
    ),
    jwtSecret: jwtSecret || DEV_JWT_SECRET,
    jwtExpiresInSeconds: intFromEnv(env, problems, 'JWT_EXPIRES_IN_SECONDS', 8 * 3600, {
      min: 60,
      max: 7 * 24 * 3600,
    }),
    rpcTimeoutMs: intFromEnv(env, problems, 'RPC_TIMEOUT_MS', 5000, { min: 50, max: 120_000 }),
    rpcQueues: Object.fromEntries(
      RPC_SERVICES.map((service) => [service, rpcQueueName(service, infrastructure)]),
    ) as Record<RpcService, string>,
    loginAttemptsPerMinute: intFromEnv(env, problems, 'LOGIN_ATTEMPTS_PER_MINUTE', 10, {
      min: 1,
      max: 10_000,
    }),
    loginFreeFailures: intFromEnv(env, problems, 'LOGIN_FREE_FAILURES', 5, { min: 1, max: 100 }),
    loginBackoffMaxSeconds: intFromEnv(env, problems, 'LOGIN_BACKOFF_MAX_SECONDS', 900, {
      min: 1,
      max: 86_400,
    }),
    partnerRequestsPerMinute: intFromEnv(env, problems, 'PARTNER_REQUESTS_PER_MINUTE', 6000, {
      min: 1,
      max: 1_000_000,
    }),
    // At most 10 s: a token that a password change ended must not live longer on another instance.
    identityCacheMs: intFromEnv(env, problems, 'IDENTITY_CACHE_MS', 5000, { min: 0, max: 10_000 }),
    bodyLimitBytes: intFromEnv(env, problems, 'HTTP_BODY_LIMIT_BYTES', 256 * 1024, {
      min: 1024,
      max: 50 * 1024 * 1024,
    }),
    importMaxBytes: intFromEnv(env, problems, 'IMPORT_MAX_BYTES', 256 * 1024 * 1024, {
      min: 1024,
      max: 4 * 1024 * 1024 * 1024,
    }),
    trustProxy: trustProxyFromEnv(env.GATEWAY_TRUST_PROXY, problems),
    bootstrapSuperadmin:
      bootstrapEmail && bootstrapPassword
        ? { email: bootstrapEmail.trim().toLowerCase(), password: bootstrapPassword }
        : null,
    accessAudit: {
      enabled: stringFromEnv(env, problems, 'AUDIT_ACCESS', 'on', /^(on|off)$/) === 'on',
      flushIntervalMs: intFromEnv(env, problems, 'AUDIT_FLUSH_INTERVAL_MS', 1000, {
        min: 10,
        max: 10_000,
      }),
      maxBatch: intFromEnv(env, problems, 'AUDIT_FLUSH_MAX_ENTRIES', 1000, { min: 1, max: 5000 }),
      publish:
        stringFromEnv(env, problems, 'AUDIT_PUBLISH', 'direct', /^(direct|outbox)$/) === 'outbox'
          ? 'outbox'
          : 'direct',
    },
  };
};

/** The gateway's configuration from the environment; throws listing every problem at once. */
export function readGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return readConfig(readGatewayEnv, env);
}
