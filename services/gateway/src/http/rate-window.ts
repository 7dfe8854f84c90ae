import type Redis from 'ioredis';
import { ProblemError } from '@kanta/platform';

/**
 * Counts one request in a fixed window kept in Redis (so the count holds across gateway
 * instances); a 429 with Retry-After over `limit`, a 503 when Redis does not answer.
 */
export async function countInWindow(
  redis: Redis,
  key: string,
  limit: number,
  windowMs: number,
  tooMany: string,
): Promise<void> {
  let results: [Error | null, unknown][] | null;
  try {
    results = await redis.multi().set(key, '0', 'PX', windowMs, 'NX').incr(key).pttl(key).exec();
  } catch {
    results = null;
  }
  if (!results) {
    throw ProblemError.serviceUnavailable('This is unavailable for a moment; please try again.');
  }
  const count = Number(results[1][1]);
  const ttl = Number(results[2][1]);
  if (count > limit) {
    throw ProblemError.tooManyRequests(Math.max(1, Math.ceil(ttl / 1000)), tooMany);
  }
}
