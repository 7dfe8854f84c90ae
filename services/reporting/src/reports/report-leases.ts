import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  SessionLeases,
  exitWhenLeasesLost,
  sessionLeaseHeld,
  type PostgresSettings,
} from '@kanta/database';

export const REPORT_LEASE_DATABASE = Symbol('REPORT_LEASE_DATABASE');

/** The first key of the report leases' two-key advisory locks; the second is hashtext(id). */
export const REPORT_LEASE_SPACE = 15_001;
/** How long a shutdown keeps the leases of the runs the worker is still finishing. */
const SHUTDOWN_WAIT_MS = 30_000;

/**
 * SQL: the lease of the report whose id is `id` (a column or expression) is held by a live run,
 * one whose session is not `exceptPid` (a parameter or literal; NULL: any session).
 */
export const leaseHeld = (id: string, exceptPid?: string): string =>
  sessionLeaseHeld(REPORT_LEASE_SPACE, id, exceptPid);

/**
 * A report run's lease (SessionLeases of libs/database): a session advisory lock on the report,
 * held by this process's own connection while the run lasts and dropped by PostgreSQL the moment
 * the process dies, so another run takes the report over straight away and the tenant's slot it
 * held is free; while the process lives, no other run takes it. `take` answers the session
 * holding it, for the claim (`leaseHeld(…, pid)`: held by another).
 */
@Injectable()
export class ReportLeases extends SessionLeases implements OnApplicationShutdown {
  constructor(@Inject(REPORT_LEASE_DATABASE) settings: PostgresSettings) {
    const logger = new Logger('ReportLeases');
    super(settings, {
      space: REPORT_LEASE_SPACE,
      applicationName: 'kanta-reporting-leases',
      onLost: exitWhenLeasesLost('report', (message) => logger.error(message)),
    });
  }

  /** After the runs still writing (the worker waits for them meanwhile), or SHUTDOWN_WAIT_MS. */
  onApplicationShutdown(): Promise<void> {
    return this.close(SHUTDOWN_WAIT_MS);
  }
}
