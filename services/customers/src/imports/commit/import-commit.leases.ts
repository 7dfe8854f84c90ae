import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  SessionLeases,
  exitWhenLeasesLost,
  sessionLeaseHeld,
  type PostgresSettings,
} from '@kanta/database';

export const IMPORT_COMMIT_LEASE_DATABASE = Symbol('IMPORT_COMMIT_LEASE_DATABASE');

/** The first key of the import commits' advisory locks (the reports use 15 001, the dry runs 16 001). */
export const IMPORT_COMMIT_LEASE_SPACE = 16_002;

/** SQL: a live run (another session than `exceptPid`) holds the commit lease of import `id`. */
export const importLeaseHeld = (id: string, exceptPid?: string): string =>
  sessionLeaseHeld(IMPORT_COMMIT_LEASE_SPACE, id, exceptPid);

/**
 * The lease of a running commit (SessionLeases of libs/database, as the reports have theirs): a
 * session advisory lock on the import, dropped by PostgreSQL the moment the process dies, so
 * the sweep or the job taken again resumes the commit at once, and never while its run lives.
 */
@Injectable()
export class ImportCommitLeases extends SessionLeases implements OnApplicationShutdown {
  constructor(@Inject(IMPORT_COMMIT_LEASE_DATABASE) settings: PostgresSettings) {
    const logger = new Logger('ImportCommitLeases');
    super(settings, {
      space: IMPORT_COMMIT_LEASE_SPACE,
      applicationName: 'kanta-customers-import-commit-leases',
      onLost: exitWhenLeasesLost('import commit', (message) => logger.error(message)),
    });
  }

  /** After the runs still in a batch (they stop at its end), or 30 s. */
  onApplicationShutdown(): Promise<void> {
    return this.close(30_000);
  }
}
