import type { Queue } from 'bullmq';
/** The customers service's queue of full duplicate scans. */
export const DUPLICATE_SCAN_QUEUE = 'customers.duplicate-scan';

/** Ids only: a job's data never carries personal data. */
export interface DuplicateScanJob {
  tenantId: string;
}

/** How long adding a scan's job may take before Redis is taken as away. */
const ENQUEUE_TIMEOUT_MS = 3000;

/**
 * Adds the tenant's scan job (the same job while one is queued or running): asked by an admin,
 * or after an import's commit brought cards in bulk (src/imports/commit).
 */
export async function addDuplicateScanJob(
  queue: Queue<DuplicateScanJob>,
  tenantId: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('job queue timeout')), ENQUEUE_TIMEOUT_MS);
  });
  try {
    await Promise.race([
      queue.add(
        'scan',
        { tenantId },
        {
          jobId: duplicateScanJobId(tenantId),
          attempts: 3,
          backoff: { type: 'exponential', delay: 5000 },
          // Gone when finished, so the same id can be queued again by the next request.
          removeOnComplete: true,
          removeOnFail: true,
        },
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One scan per tenant at a time: asking again while one is queued or running is the same job. */
export const duplicateScanJobId = (tenantId: string): string => `duplicate-scan-${tenantId}`;

/**
 * An 'error' listener for a BullMQ queue or worker: without one, every failed reconnect while
 * Redis is down is printed to stderr. One warning a minute says the same.
 */
export function redisErrorReporter(warn: (message: string) => void): (error: Error) => void {
  let last = 0;
  return (error) => {
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    warn(`job queue: ${error.message} (retrying)`);
  };
}
