import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import type { PostgresSettings } from '@kanta/database';

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
  return `EXISTS (SELECT 1 FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = ${REPORT_LEASE_SPACE}
       AND l.objid = hashtext(${id}::text)::oid
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.pid IS DISTINCT FROM ${exceptPid})`;
}

/**
 * A report run's lease: a session advisory lock on the report, held by this process's own
 * connection while the run lasts. It ends with the process: a process killed (`kill -9`, the
 * machine's OOM killer) closes the connection and PostgreSQL drops the lock at once, so another
 * run takes the report over straight away and the tenant's slot it held is free; while the
 * process lives, no other run takes it. Progress timestamps cannot tell a dead run from a slow
 * one (a long batch, a stalled machine); the connection can.
 *
 * The connection is opened at the first lease. If it is lost while runs hold leases, this
 * process can no longer tell whether another took their reports over and is writing the same
 * files: it exits, and its reports are run again elsewhere or at its restart.
 */
@Injectable()
export class ReportLeases implements OnApplicationShutdown {
  private readonly logger = new Logger('ReportLeases');
  private connection: Promise<{ client: Client; pid: number }> | null = null;
  private readonly held = new Set<string>();
  private closing = false;

  constructor(@Inject(REPORT_LEASE_DATABASE) private readonly settings: PostgresSettings) {}

  /**
   * Takes the report's lease; null when a run holds it (in this process, or another live one).
   * Answers the session holding it, for the claim (`leaseHeld(…, pid)`: held by another).
   */
  async take(reportId: string): Promise<{ pid: number } | null> {
    // A session's advisory locks are reentrant: this process's own runs are told apart here.
    if (this.held.has(reportId)) return null;
    this.held.add(reportId);
    try {
      const { client, pid } = await this.connect();
      const { rows } = await client.query<{ taken: boolean }>(
        `SELECT pg_try_advisory_lock(${REPORT_LEASE_SPACE}, hashtext($1)) AS taken`,
        [reportId],
      );
      if (rows[0].taken) return { pid };
    } catch (error) {
      this.held.delete(reportId);
      throw error;
    }
    this.held.delete(reportId);
    return null;
  }

  async release(reportId: string): Promise<void> {
    if (!this.held.delete(reportId) || !this.connection || this.closing) return;
    const { client } = await this.connection;
    await client.query(`SELECT pg_advisory_unlock(${REPORT_LEASE_SPACE}, hashtext($1))`, [
      reportId,
    ]);
  }

  private connect(): Promise<{ client: Client; pid: number }> {
    this.connection ??= (async () => {
      const client = new Client({
        host: this.settings.host,
        port: this.settings.port,
        user: this.settings.user,
        password: this.settings.password,
        database: this.settings.database,
        application_name: 'kanta-reporting-leases',
      });
      client.on('error', (error) => this.lost(error));
      client.on('end', () => this.lost(null));
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return { client, pid: rows[0].pid };
    })().catch((error: unknown) => {
      this.connection = null;
      throw error;
    });
    return this.connection;
  }

  private lost(error: Error | null): void {
    if (this.closing) return;
    this.connection = null;
    if (this.held.size === 0) return;
    this.logger.error(
      `the report leases' connection was lost (${error?.name ?? 'closed'}) with ${this.held.size} report(s) running: exiting, they run again`,
    );
    process.exit(1);
  }

  /** After the runs still writing (the worker waits for them meanwhile), or SHUTDOWN_WAIT_MS. */
  async onApplicationShutdown(): Promise<void> {
    const until = Date.now() + SHUTDOWN_WAIT_MS;
    while (this.held.size > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.closing = true;
    const connection = this.connection;
    this.connection = null;
    if (connection) await (await connection.catch(() => null))?.client.end();
  }
}
