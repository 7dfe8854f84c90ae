import { Client } from 'pg';
import type { PostgresSettings } from './config';

/** SQL: whether a live session other than `exceptPid` holds the lease of `key` in `space`. */
export function sessionLeaseHeld(space: number, key: string, exceptPid = 'NULL'): string {
  return `EXISTS (SELECT 1 FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = ${space}
       AND l.objid = hashtext(${key}::text)::oid
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.pid IS DISTINCT FROM ${exceptPid})`;
}

export interface SessionLeasesOptions {
  /** The first key of the two-key advisory locks; the second is hashtext(key). */
  space: number;
  /** The connection's application_name, to tell it in pg_stat_activity. */
  applicationName: string;
  /** Told when the connection is lost while leases are held; the process then exits. */
  onLost(held: number, error: Error | null): void;
}

/**
 * Leases of long jobs (the reporting service's reports, the customers service's import commits):
 * a session advisory lock per job, held on this process's own connection while the job runs. It
 * ends with the process: one killed (`kill -9`, the OOM killer) closes the connection and
 * PostgreSQL drops its locks at once, so another run takes the job over straight away, while no
 * run takes it from a live one however slow. Progress timestamps cannot tell a dead run from a
 * slow one; the connection can. If the connection is lost while leases are held, this process
 * cannot tell whether another took its jobs over: it exits (`onLost`), and they run elsewhere.
 */
export class SessionLeases {
  private connection: Promise<{ client: Client; pid: number }> | null = null;
  private readonly held = new Set<string>();
  private closing = false;

  constructor(
    private readonly settings: PostgresSettings,
    private readonly options: SessionLeasesOptions,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** Takes the lease; null when a run holds it (in this process or another live one). */
  async take(key: string): Promise<{ pid: number } | null> {
    // A session's advisory locks are reentrant: this process's own runs are told apart here.
    if (this.held.has(key)) return null;
    this.held.add(key);
    try {
      const { client, pid } = await this.connect();
      const { rows } = await client.query<{ taken: boolean }>(
        `SELECT pg_try_advisory_lock(${this.options.space}, hashtext($1)) AS taken`,
        [key],
      );
      if (rows[0].taken) return { pid };
    } catch (error) {
      this.held.delete(key);
      throw error;
    }
    this.held.delete(key);
    return null;
  }

  async release(key: string): Promise<void> {
    if (!this.held.delete(key) || !this.connection || this.closing) return;
    const { client } = await this.connection;
    await client.query(`SELECT pg_advisory_unlock(${this.options.space}, hashtext($1))`, [key]);
  }

  /** Waits up to `waitMs` for the runs still holding leases, then closes the connection. */
  async close(waitMs: number): Promise<void> {
    const until = Date.now() + waitMs;
    while (this.held.size > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.closing = true;
    const connection = this.connection;
    this.connection = null;
    if (connection) await (await connection.catch(() => null))?.client.end();
  }

  private connect(): Promise<{ client: Client; pid: number }> {
    this.connection ??= (async () => {
      const client = new Client({
        host: this.settings.host,
        port: this.settings.port,
        user: this.settings.user,
        password: this.settings.password,
        database: this.settings.database,
        application_name: this.options.applicationName,
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
    this.options.onLost(this.held.size, error);
  }
}

/**
 * The `onLost` of a service's leases: it logs and exits the process, since it can no longer tell
 * whether another run took its jobs (`what`: "report", "import plan", …) over; they run again
 * elsewhere or at its restart.
 */
export function exitWhenLeasesLost(
  what: string,
  log: (message: string) => void,
): SessionLeasesOptions['onLost'] {
  return (held, error) => {
    log(
      `the ${what} leases' connection was lost (${error?.name ?? 'closed'}) with ${held} ${what}(s) running: exiting, they run again`,
    );
    process.exit(1);
  };
}
