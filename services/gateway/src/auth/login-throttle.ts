import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type Redis from 'ioredis';
import { ProblemError } from '@kanta/platform';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG, REDIS } from '../core/tokens';
import { countInWindow } from '../http/rate-window';

const WINDOW_MS = 60_000;
/** Failures are forgotten an hour after the last one. */
const FAILURES_KEPT_MS = 3_600_000;
/** A client IP that signed in to an account stays known to it this long after its last success. */
const KNOWN_CLIENT_MS = 30 * 24 * 3_600_000;

/**
 * Adds a failure to a back-off record (a hash of `failures` and `until`, in ms since the epoch)
 * and returns `until`: after the free failures, each one doubles the wait, up to the maximum.
 * KEYS[1] the record; ARGV now, free failures, first wait ms, longest wait ms, kept ms.
 */
const ADD_FAILURE = `
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local now, free, first, longest = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local untilMs = 0
if failures > free then
  local wait = first * 2 ^ math.min(failures - free - 1, 30)
  if wait > longest then wait = longest end
  untilMs = now + wait
  redis.call('HSET', KEYS[1], 'until', untilMs)
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return untilMs`;

const unavailable = (): ProblemError =>
  ProblemError.serviceUnavailable('Login is unavailable for a moment; please try again.');

const wait = (untilMs: number, now: number): ProblemError =>
  ProblemError.tooManyRequests(
    Math.max(1, Math.ceil((untilMs - now) / 1000)),
    'Too many failed sign-ins; wait before trying again.',
  );

/**
 * Login throttling in Redis (so it holds across gateway instances), in two parts:
 *
 * - Per client IP, before the body is read: every request to the login route counts, right or
 *   wrong, malformed or not, in fixed one-minute windows of LOGIN_ATTEMPTS_PER_MINUTE. It bounds
 *   what one client can make the gateway do.
 * - Per account, on failures only: after LOGIN_FREE_FAILURES wrong passwords the next attempt
 *   waits 1 s, then 2, 4, … up to LOGIN_BACKOFF_MAX_SECONDS (429 with Retry-After; the password
 *   is not even checked while waiting). Two records: the account from this client IP, and the
 *   account from anywhere. The second one does not hold back a client IP that has signed in to
 *   the account before (known for 30 days after its last success), so someone guessing a known
 *   address's password from elsewhere cannot lock its owner out of their usual workplace; the
 *   owner's own mistakes still slow down only their own IP. A success clears the record of that
 *   account and client IP, not the account's: the guesser's failures keep counting.
 *
 * E-mail addresses and IPs are keyed by an HMAC (JWT_SECRET): Redis keys are no place for
 * personal data, and a plain hash of an IPv4 address is reversed by trying them all.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Counts one request to login from this client IP; 429 over the limit, 503 without Redis. */
  async beforeBody(ip: string): Promise<void> {
    try {
      await countInWindow(
        this.redis,
        `${this.prefix}ip:${this.pseudonym(ip)}`,
        this.config.loginAttemptsPerMinute,
        WINDOW_MS,
        'Too many login attempts; wait before trying again.',
      );
    } catch (error) {
      throw (error as ProblemError).status === 503 ? unavailable() : error;
    }
  }

  /** 429 while this account is in back-off for this client; call before checking a password. */
  async check(email: string, ip: string): Promise<void> {
    const { account, pair, client } = this.keys(email, ip);
    let results: [Error | null, unknown][] | null;
    try {
      results = await this.redis
        .multi()
        .hget(pair, 'until')
        .hget(account, 'until')
        .sismember(`${account}:known`, client)
        .exec();
    } catch {
      throw unavailable();
    }
    if (!results) throw unavailable();
    const now = Date.now();
    const pairUntil = Number(results[0][1] ?? 0);
    const accountUntil = Number(results[1][1] ?? 0);
    const known = Number(results[2][1]) === 1;
    if (pairUntil > now) throw wait(pairUntil, now);
    if (!known && accountUntil > now) throw wait(accountUntil, now);
  }

  /** A wrong password for this account from this client. */
  async failed(email: string, ip: string): Promise<void> {
    const { account, pair } = this.keys(email, ip);
    const args = [
      Date.now(),
      this.config.loginFreeFailures,
      1000,
      this.config.loginBackoffMaxSeconds * 1000,
      FAILURES_KEPT_MS,
    ];
    try {
      await Promise.all([
        this.redis.eval(ADD_FAILURE, 1, pair, ...args),
        this.redis.eval(ADD_FAILURE, 1, account, ...args),
      ]);
    } catch {
      throw unavailable();
    }
  }

  /** A right password: this client's record is cleared and the client is known to the account. */
  async succeeded(email: string, ip: string): Promise<void> {
    const { account, pair, client } = this.keys(email, ip);
    try {
      await this.redis
        .multi()
        .del(pair)
        .sadd(`${account}:known`, client)
        .pexpire(`${account}:known`, KNOWN_CLIENT_MS)
        .exec();
    } catch {
      // Signed in all the same: only the record of this client's earlier failures stays.
    }
  }

  private get prefix(): string {
    return `${this.config.redisKeyPrefix}login:`;
  }

  private keys(email: string, ip: string): { account: string; pair: string; client: string } {
    const account = `${this.prefix}account:${this.pseudonym(email)}`;
    const client = this.pseudonym(ip);
    return { account, pair: `${account}:ip:${client}`, client };
  }

  private pseudonym(value: string): string {
    return createHmac('sha256', this.config.jwtSecret).update(value).digest('hex').slice(0, 32);
  }
}
