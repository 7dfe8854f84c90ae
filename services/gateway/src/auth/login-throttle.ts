import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { ProblemError } from '@kanta/platform';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG, REDIS } from '../core/tokens';

const WINDOW_MS = 60_000;

/**
 * Counts login attempts per client IP and per e-mail address in fixed one-minute windows in
 * Redis, so the limit holds across gateway instances. E-mails are hashed: Redis keys are no
 * place for personal data.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Records one attempt; throws 429 (with Retry-After) over the limit, 503 without Redis. */
  async attempt(ip: string, email: string): Promise<void> {
    const prefix = `${this.config.redisKeyPrefix}login:`;
    const keys = [
      `${prefix}ip:${ip}`,
      `${prefix}email:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`,
    ];
    const pipeline = this.redis.multi();
    for (const key of keys) {
      pipeline.set(key, '0', 'PX', WINDOW_MS, 'NX').incr(key).pttl(key);
    }
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch {
      throw ProblemError.serviceUnavailable('Login is unavailable for a moment; please try again.');
    }
    if (!results) {
      throw ProblemError.serviceUnavailable('Login is unavailable for a moment; please try again.');
    }
    let retryAfterMs = 0;
    keys.forEach((_key, i) => {
      const count = Number(results[i * 3 + 1][1]);
      const ttl = Number(results[i * 3 + 2][1]);
      if (count > this.config.loginAttemptsPerMinute) retryAfterMs = Math.max(retryAfterMs, ttl);
    });
    if (retryAfterMs > 0) {
      throw ProblemError.tooManyRequests(
        Math.max(1, Math.ceil(retryAfterMs / 1000)),
        'Too many login attempts; wait before trying again.',
      );
    }
  }
}
