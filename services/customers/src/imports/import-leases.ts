import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  SessionLeases,
  exitWhenLeasesLost,
  sessionLeaseHeld,
  type PostgresSettings,
} from '@kanta/database';

export const IMPORT_LEASE_DATABASE = Symbol('IMPORT_LEASE_DATABASE');

/** The first key of the dry runs' advisory locks (reports 15 001, import commits 16 002). */
export const IMPORT_LEASE_SPACE = 16_001;
/** SQL: the dry-run lease of the import whose id is `id` (a column or expression) is held. */
export const importPlanLeaseHeld = (id: string): string => sessionLeaseHeld(IMPORT_LEASE_SPACE, id);

/** How long a shutdown keeps the leases of the runs the worker is still finishing. */
const SHUTDOWN_WAIT_MS = 30_000;

/**
 * An import's dry-run lease (SessionLeases of libs/database, as the commits and the reports have
 * theirs): a session advisory lock on the import, dropped by PostgreSQL the moment the process
 * dies, so the job taken up again plans the import straight away, and never while its run lives.
 */
@Injectable()
export class ImportLeases extends SessionLeases implements OnApplicationShutdown {
  constructor(@Inject(IMPORT_LEASE_DATABASE) settings: PostgresSettings) {
    const logger = new Logger('ImportLeases');
    super(settings, {
      space: IMPORT_LEASE_SPACE,
      applicationName: 'kanta-customers-import-plan-leases',
      onLost: exitWhenLeasesLost('import plan', (message) => logger.error(message)),
    });
  }

  /** After the runs still planning (the worker waits for them meanwhile), or SHUTDOWN_WAIT_MS. */
  onApplicationShutdown(): Promise<void> {
    return this.close(SHUTDOWN_WAIT_MS);
  }
}
