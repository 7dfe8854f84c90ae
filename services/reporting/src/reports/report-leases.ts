import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { SessionLeases, sessionLeaseHeld, type PostgresSettings } from '@kanta/database';

export const REPORT_LEASE_DATABASE = Symbol('REPORT_LEASE_DATABASE');

/** The first key of the report leases' two-key advisory locks; the second is hashtext(id). */
export const REPORT_LEASE_SPACE = 15_001;
/** How long a shutdown keeps the leases of the runs the worker is still finishing. */
const SHUTDOWN_WAIT_MS = 30_000;

/**
 * SQL: the lease of the report whose id is `id` (a column or expression) is held by a live run,
 * one whose session is not `exceptPid` (a parameter or literal; NULL: any session).
 */
export function leaseHeld(id: string, exceptPid = 'NULL'): string {
  return sessionLeaseHeld(REPORT_LEASE_SPACE, id, exceptPid);
}

/**
 * A report run's lease (SessionLeases of libs/database): a session advisory lock on the report,
 * held by this process's own connection while the run lasts. It ends with the process: a process
 * killed (`kill -9`, the machine's OOM killer) closes the connection and PostgreSQL drops the
 * lock at once, so another run takes the report over straight away and the tenant's slot it
 * held is free; while the process lives, no other run takes it. Progress timestamps cannot tell a
 * dead run from a slow one (a long batch, a stalled machine); the connection can.
 *
 * The connection is opened at the first lease. If it is lost while runs hold leases, this
 * process can no longer tell whether another took their reports over and is writing the same
 * files: it exits, and its reports are run again elsewhere or at its restart.
 */
@Injectable()
export class ReportLeases implements OnApplicationShutdown {
  private readonly logger = new Logger('ReportLeases');
  private readonly leases: SessionLeases;

  constructor(@Inject(REPORT_LEASE_DATABASE) settings: PostgresSettings) {
    this.leases = new SessionLeases(settings, {
      space: REPORT_LEASE_SPACE,
      applicationName: 'kanta-reporting-leases',
      onLost: (held, error) => {
        this.logger.error(
          `the report leases' connection was lost (${error?.name ?? 'closed'}) with ${held} report(s) running: exiting, they run again`,
        );
        process.exit(1);
      },
    });
  }

  /**
   * Takes the report's lease; null when a run holds it (in this process, or another live one).
   * Answers the session holding it, for the claim (`leaseHeld(…, pid)`: held by another).
   */
  take(reportId: string): Promise<{ pid: number } | null> {
    return this.leases.take(reportId);
  }

  release(reportId: string): Promise<void> {
    return this.leases.release(reportId);
  }

  /** After the runs still writing (the worker waits for them meanwhile), or SHUTDOWN_WAIT_MS. */
  onApplicationShutdown(): Promise<void> {
    return this.leases.close(SHUTDOWN_WAIT_MS);
  }
}
