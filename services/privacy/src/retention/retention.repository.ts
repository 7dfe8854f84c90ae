import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RetentionCandidateView, RetentionRunView } from '@kanta/contracts';
import { KnownCustomers } from '@kanta/messaging';

/** A customer's activity at a moment: an edit of the card, a visit, a sale. */
export interface Activity {
  tenantId: string;
  customerId: string;
  at: string;
}

export interface RetentionRunRow {
  id: string;
  years: number;
  cutoff: Date;
  started_at: Date;
  finished_at: Date | null;
  erased: number;
  erasure_ids: string[];
}

export function retentionRunView(row: RetentionRunRow): RetentionRunView {
  return {
    id: row.id,
    years: row.years,
    cutoff: row.cutoff.toISOString(),
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    erased: row.erased,
    erasureIds: row.erasure_ids,
  };
}

/**
 * Customers of the tenant whose last activity is before the cutoff, neither erased (by the
 * customers service) nor with an erasure recorded here, nor merged into another (their history
 * is the survivor's, and goes with it). `$1` tenant, `$2` cutoff.
 */
const DUE = `
  FROM privacy.known_customers k
  JOIN privacy.customer_activity a
    ON a.tenant_id = k.tenant_id AND a.customer_id = k.customer_id
 WHERE k.tenant_id = $1 AND k.status NOT IN ('erased', 'merged') AND a.last_activity_at < $2
   AND NOT EXISTS (SELECT 1 FROM privacy.erasures e
                    WHERE e.tenant_id = k.tenant_id AND e.customer_id = k.customer_id)`;

const RUN_COLUMNS = 'id, years, cutoff, started_at, finished_at, erased, erasure_ids';

/** Retention's tables in the privacy schema: settings, activity, runs. */
@Injectable()
export class RetentionRepository {
  constructor(private readonly known: KnownCustomers) {}

  /**
   * Records activities: the latest of each customer is kept, whatever order they arrive in.
   * Sorted, so two batches take their keys in one order. An activity naming a merged duplicate
   * (a late visit or sale event, a replay) is its survivor's: the duplicate's history moved there
   * (`survivorsOf`).
   */
  async recordActivity(manager: EntityManager, activities: Activity[]): Promise<void> {
    const survivors = await this.survivorsOf(manager, activities);
    const latest = new Map<string, Activity>();
    for (const named of activities) {
      const survivor = survivors.get(`${named.tenantId}:${named.customerId}`);
      const activity = survivor ? { ...named, customerId: survivor } : named;
      const key = `${activity.tenantId}:${activity.customerId}`;
      const seen = latest.get(key);
      if (!seen || Date.parse(seen.at) < Date.parse(activity.at)) latest.set(key, activity);
    }
    if (latest.size === 0) return;
    const rows = [...latest.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
    await manager.query(
      `INSERT INTO privacy.customer_activity AS c (tenant_id, customer_id, last_activity_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[])
       ON CONFLICT (tenant_id, customer_id) DO UPDATE
         SET last_activity_at = excluded.last_activity_at
         WHERE c.last_activity_at < excluded.last_activity_at`,
      [rows.map((r) => r.tenantId), rows.map((r) => r.customerId), rows.map((r) => r.at)],
    );
  }

  /**
   * For each merged customer the activities name, the end of its chain of merges
   * (KnownCustomers.survivorOf), as `<tenant>:<customer>` → survivor. The named customers' rows
   * are held (FOR SHARE, in key order) until the transaction ends: a merge marks the duplicate's
   * row before it carries the duplicate's activity to the survivor (Merges.request), so it waits
   * for a batch that read the row before and then carries what the batch recorded, and a batch
   * after the mark waits for the merge's commit and follows it. One query for the batch, and one
   * more per merged customer only.
   */
  private async survivorsOf(
    manager: EntityManager,
    activities: Activity[],
  ): Promise<Map<string, string>> {
    const survivors = new Map<string, string>();
    if (activities.length === 0) return survivors;
    const rows = await manager.query<
      { tenant_id: string; customer_id: string; merged_into: string | null }[]
    >(
      `SELECT k.tenant_id, k.customer_id, k.merged_into FROM privacy.known_customers k
         JOIN (SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[])) AS a(tenant_id, customer_id)
           ON k.tenant_id = a.tenant_id AND k.customer_id = a.customer_id
        ORDER BY k.tenant_id, k.customer_id
        FOR SHARE OF k`,
      [activities.map((a) => a.tenantId), activities.map((a) => a.customerId)],
    );
    for (const row of rows) {
      if (row.merged_into === null) continue;
      survivors.set(
        `${row.tenant_id}:${row.customer_id}`,
        await this.known.survivorOf(manager, row.tenant_id, row.customer_id),
      );
    }
    return survivors;
  }

  /**
   * The merged duplicate's last activity counts for the survivor (its history moved there): the
   * survivor's becomes the later of the two.
   */
  async carryActivity(
    manager: EntityManager,
    tenantId: string,
    fromCustomerId: string,
    toCustomerId: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO privacy.customer_activity AS c (tenant_id, customer_id, last_activity_at)
       SELECT tenant_id, $3, last_activity_at FROM privacy.customer_activity
        WHERE tenant_id = $1 AND customer_id = $2
       ON CONFLICT (tenant_id, customer_id) DO UPDATE
         SET last_activity_at = excluded.last_activity_at
         WHERE c.last_activity_at < excluded.last_activity_at`,
      [tenantId, fromCustomerId, toCustomerId],
    );
  }

  /** Keeps a tenant's settings as announced; an older version than the stored one is ignored. */
  async saveSettings(
    manager: EntityManager,
    tenantId: string,
    retentionYears: number | null,
    version: number,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO privacy.tenant_settings AS s (tenant_id, retention_years, version)
       VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE
         SET retention_years = excluded.retention_years, version = excluded.version
         WHERE s.version < excluded.version`,
      [tenantId, retentionYears, version],
    );
  }

  /** The tenant's retention years; null when off or never announced (off is the default). */
  async yearsOf(manager: EntityManager, tenantId: string): Promise<number | null> {
    const rows = await manager.query<{ retention_years: number | null }[]>(
      'SELECT retention_years FROM privacy.tenant_settings WHERE tenant_id = $1',
      [tenantId],
    );
    return rows[0]?.retention_years ?? null;
  }

  /** The tenants with retention on. */
  async tenantsOn(manager: EntityManager): Promise<{ tenantId: string; years: number }[]> {
    const rows = await manager.query<{ tenant_id: string; retention_years: number }[]>(
      `SELECT tenant_id, retention_years FROM privacy.tenant_settings
        WHERE retention_years IS NOT NULL ORDER BY tenant_id`,
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, years: r.retention_years }));
  }

  /** `now() - years`, by the database's clock, as every other due time in this schema. */
  async cutoff(manager: EntityManager, years: number): Promise<Date> {
    const [row] = await manager.query<{ cutoff: Date }[]>(
      `SELECT date_trunc('milliseconds', now()) - make_interval(years => $1) AS cutoff`,
      [years],
    );
    return row.cutoff;
  }

  async countDue(manager: EntityManager, tenantId: string, cutoff: Date): Promise<number> {
    const [row] = await manager.query<{ total: number }[]>(`SELECT count(*)::int AS total ${DUE}`, [
      tenantId,
      cutoff,
    ]);
    return row.total;
  }

  /** A page of the due customers, by id, after the cursor's id. */
  async pageDue(
    manager: EntityManager,
    tenantId: string,
    cutoff: Date,
    after: string | null,
    limit: number,
  ): Promise<RetentionCandidateView[]> {
    return manager.query<RetentionCandidateView[]>(
      `SELECT k.customer_id AS "customerId", k.customer_number AS "customerNumber" ${DUE}
          AND ($3::uuid IS NULL OR k.customer_id > $3)
        ORDER BY k.customer_id LIMIT $4`,
      [tenantId, cutoff, after, limit],
    );
  }

  /**
   * Up to `limit` due customers, their rows locked for this transaction and skipped by another
   * sweep's: instances running at once share the work.
   */
  async lockDue(
    manager: EntityManager,
    tenantId: string,
    cutoff: Date,
    limit: number,
  ): Promise<string[]> {
    const rows = await manager.query<{ customer_id: string }[]>(
      `SELECT k.customer_id ${DUE} ORDER BY k.customer_id LIMIT $3 FOR UPDATE OF k SKIP LOCKED`,
      [tenantId, cutoff, limit],
    );
    return rows.map((r) => r.customer_id);
  }

  async startRun(
    manager: EntityManager,
    run: { tenantId: string; id: string; years: number; cutoff: Date },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO privacy.retention_runs (tenant_id, id, years, cutoff) VALUES ($1, $2, $3, $4)`,
      [run.tenantId, run.id, run.years, run.cutoff],
    );
  }

  /** Adds a batch's erasures to its run, in the batch's transaction: the summary never lies. */
  async addToRun(
    manager: EntityManager,
    tenantId: string,
    id: string,
    erasureIds: string[],
  ): Promise<void> {
    await manager.query(
      `UPDATE privacy.retention_runs
          SET erased = erased + cardinality($3::uuid[]), erasure_ids = erasure_ids || $3::uuid[]
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, erasureIds],
    );
  }

  async finishRun(manager: EntityManager, tenantId: string, id: string): Promise<void> {
    await manager.query(
      `UPDATE privacy.retention_runs SET finished_at = date_trunc('milliseconds', now())
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
  }

  /** The tenant's runs, newest first, after the cursor's id. */
  async runs(
    manager: EntityManager,
    tenantId: string,
    after: string | null,
    limit: number,
  ): Promise<RetentionRunRow[]> {
    return manager.query<RetentionRunRow[]>(
      `SELECT ${RUN_COLUMNS} FROM privacy.retention_runs
        WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
      [tenantId, after, limit],
    );
  }
}
