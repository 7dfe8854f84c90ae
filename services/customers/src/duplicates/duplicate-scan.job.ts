/** The customers service's queue of full duplicate scans. */
export const DUPLICATE_SCAN_QUEUE = 'customers.duplicate-scan';

/** Ids only: a job's data never carries personal data. */
export interface DuplicateScanJob {
  tenantId: string;
}

/** One scan per tenant at a time: asking again while one is queued or running is the same job. */
export const duplicateScanJobId = (tenantId: string): string => `duplicate-scan-${tenantId}`;
