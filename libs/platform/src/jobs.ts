import type { QueueOptions } from 'bullmq';

/**
 * Background jobs run on BullMQ (reports, imports, reminders, scheduled erasure). The database
 * row of a job is its truth and the queue only its trigger, so a lost Redis loses no request;
 * job ids are deterministic (the row's id), so enqueuing twice makes one job.
 *
 * The options every service passes to `BullModule.forRoot(...)` from @nestjs/bullmq:
 * one Redis connection from REDIS_URL and a key prefix per deployment (and per test run).
 */
export function jobsRootOptions(redisUrl: string, prefix = 'kanta:jobs'): QueueOptions {
  const url = new URL(redisUrl);
  return {
    prefix,
    connection: {
      host: url.hostname,
      port: Number(url.port || 6379),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      // BullMQ's workers block on Redis; a per-command retry limit would break them.
      maxRetriesPerRequest: null,
    },
  };
}
