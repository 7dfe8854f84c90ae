/** The customers service's queue of full duplicate scans. */
export const DUPLICATE_SCAN_QUEUE = 'customers.duplicate-scan';

/** Ids only: a job's data never carries personal data. */
export interface DuplicateScanJob {
  tenantId: string;
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
