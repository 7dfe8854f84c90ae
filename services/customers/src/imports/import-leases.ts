import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import type { PostgresSettings } from '@kanta/database';

export const IMPORT_LEASE_DATABASE = Symbol('IMPORT_LEASE_DATABASE');

/** The first key of the import leases' two-key advisory locks; the second is hashtext(id). */
export const IMPORT_LEASE_SPACE = 16_001;
/** SQL: the dry-run lease of the import whose id is `id` (a column or expression) is held. */
export function importPlanLeaseHeld(id: string): string {
  return `EXISTS (SELECT 1 FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
       AND l.classid = ${IMPORT_LEASE_SPACE} AND l.objid = hashtext(${id}::text)::oid
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))`;
}

/** How long a shutdown keeps the leases of the runs the worker is still finishing. */
const SHUTDOWN_WAIT_MS = 30_000;

/**
 * An import run's lease (the same mechanism as the reporting service's ReportLeases): a session
 * advisory lock on the import, held by this process's own connection while the run lasts. It
 * ends with the process: a process killed (`kill -9`, the OOM killer) closes the connection and
 * PostgreSQL drops the lock at once, so the job taken up again runs the import straight away;
 * while the process lives, no other run takes it. Progress timestamps cannot tell a dead run from a slow
 * one (a long batch, a stalled machine); the connection can.
 *
 * The connection is opened at the first lease. If it is lost while runs hold leases, this
 * process can no longer tell whether another took their imports over and is writing the same
 * rows: it exits, and its imports are run again elsewhere or at its restart.
 */
@Injectable()
export class ImportLeases implements OnApplicationShutdown {
  private readonly logger = new Logger('ImportLeases');
  private connection: Promise<{ client: Client; pid: number }> | null = null;
  private readonly held = new Set<string>();
  private closing = false;

  constructor(@Inject(IMPORT_LEASE_DATABASE) private readonly settings: PostgresSettings) {}

  /**
   * Takes the import's lease; null when a run holds it (in this process, or another live one).
   */
  async take(importId: string): Promise<{ pid: number } | null> {
    // A session's advisory locks are reentrant: this process's own runs are told apart here.
    if (this.held.has(importId)) return null;
    this.held.add(importId);
    try {
      const { client, pid } = await this.connect();
      const { rows } = await client.query<{ taken: boolean }>(
        `SELECT pg_try_advisory_lock(${IMPORT_LEASE_SPACE}, hashtext($1)) AS taken`,
        [importId],
      );
      if (rows[0].taken) return { pid };
    } catch (error) {
      this.held.delete(importId);
      throw error;
    }
    this.held.delete(importId);
    return null;
  }

  async release(importId: string): Promise<void> {
    if (!this.held.delete(importId) || !this.connection || this.closing) return;
    const { client } = await this.connection;
    await client.query(`SELECT pg_advisory_unlock(${IMPORT_LEASE_SPACE}, hashtext($1))`, [
      importId,
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
        application_name: 'kanta-customers-import-leases',
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
      `the import leases' connection was lost (${error?.name ?? 'closed'}) with ${this.held.size} import(s) running: exiting, they run again`,
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
