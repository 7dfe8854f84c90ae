import Redis from 'ioredis';

/**
 * Deletes the keys that start with `prefix`, and nothing else: tests share one Redis with
 * everyone, so never FLUSHALL or FLUSHDB. Answers how many keys went.
 */
export async function deleteRedisKeys(
  prefix: string,
  redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}
