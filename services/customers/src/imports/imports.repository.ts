import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CallerTenant } from '@kanta/platform';
import type {
  FieldError,
  ImportOptionsDto,
  ImportOutcome,
  ImportRowView,
  ImportStatus,
  ImportView,
  ImportWarningView,
  ProblemDetails,
} from '@kanta/contracts';
import type { PlannedRow } from './dry-run/import-planner';

/** What the job needs beside the caller's options: the tenant as it was at upload. */
export interface StoredImportOptions extends ImportOptionsDto {
  tenant?: CallerTenant;
}

export interface ImportRow {
  tenant_id: string;
  id: string;
  created_by: string | null;
  file_name: string;
  file_size: string;
  file_sha256: string | null;
  format: 'csv' | 'xlsx' | null;
  encoding: string | null;
  separator: string | null;
  options: StoredImportOptions;
  status: ImportStatus;
  problem: ProblemDetails | null;
  warnings: ImportWarningView[];
  rows_read: number;
  bytes_read: string;
  n_create: number;
  n_update: number;
  n_duplicate: number;
  n_duplicate_in_file: number;
  n_error: number;
  duplicates: 'skip' | 'create' | 'merge' | null;
  committed_through: number;
  n_created: number;
  n_updated: number;
  n_merged: number;
  n_skipped: number;
  n_failed: number;
  vehicle_batches_sent: number;
  vehicle_batches_done: number;
  n_vehicles_created: number;
  /** Added by the commit's migration (1768300000000-import-commit). */
  n_vehicles_linked: number;
  n_vehicles_refused: number;
  created_at: Date;
  planned_at: Date | null;
  committed_at: Date | null;
  cancelled_at: Date | null;
  expires_at: Date;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** The import as callers see it: counts, codes and the file's name, never a value of the file. */
export function toImportView(row: ImportRow): ImportView {
  const size = Number(row.file_size);
  const bytes = Math.min(Number(row.bytes_read), size);
  const { mapping, consentTextId, externalIdSystem, encoding } = row.options;
  const planning = row.status === 'planning' || row.status === 'uploading';
  const percent =
    row.status === 'planned' || row.status === 'committed'
      ? 100
      : planning
        ? size > 0
          ? Math.floor((bytes / size) * 100)
          : 0
        : // Row numbers count the header (the first data row is 2): the rows committed are
          // committed_through - 1, at most every row read.
          Math.min(
            100,
            Math.floor((Math.max(0, row.committed_through - 1) / Math.max(1, row.rows_read)) * 100),
          );
  return {
    id: row.id,
    status: row.status,
    fileName: row.file_name,
    format: row.format,
    encoding: row.encoding,
    separator: row.separator,
    options: {
      ...(encoding ? { encoding } : {}),
      ...(mapping ? { mapping } : {}),
      ...(consentTextId ? { consentTextId } : {}),
      ...(externalIdSystem ? { externalIdSystem } : {}),
    },
    warnings: row.warnings,
    problem: row.problem,
    progress: { rowsRead: row.rows_read, bytesRead: bytes, sizeBytes: size, percent },
    counts: {
      create: row.n_create,
      update: row.n_update,
      duplicate: row.n_duplicate,
      duplicateInFile: row.n_duplicate_in_file,
      error: row.n_error,
    },
    commit: {
      duplicates: row.duplicates,
      committedThrough: row.committed_through,
      created: row.n_created,
      updated: row.n_updated,
      merged: row.n_merged,
      skipped: row.n_skipped,
      failed: row.n_failed,
    },
    vehicles: {
      batchesSent: row.vehicle_batches_sent,
      batchesDone: row.vehicle_batches_done,
      created: row.n_vehicles_created,
      linked: row.n_vehicles_linked,
      refused: row.n_vehicles_refused,
    },
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    plannedAt: iso(row.planned_at),
    committedAt: iso(row.committed_at),
    cancelledAt: iso(row.cancelled_at),
    expiresAt: row.expires_at.toISOString(),
  };
}

interface StoredRow {
  row_number: number;
  outcome: ImportOutcome;
  customer_id: string | null;
  duplicate_reason: ImportRowView['duplicateReason'];
  first_row: number | null;
  errors: FieldError[] | null;
  result: ImportRowView['result'];
}

const toRowView = (row: StoredRow): ImportRowView => ({
  rowNumber: row.row_number,
  outcome: row.outcome,
  customerId: row.customer_id,
  duplicateReason: row.duplicate_reason,
  firstRow: row.first_row,
  errors: row.errors ?? [],
  result: row.result,
});

const COUNT_COLUMN: Record<ImportOutcome, string> = {
  create: 'n_create',
  update: 'n_update',
  duplicate: 'n_duplicate',
  duplicate_in_file: 'n_duplicate_in_file',
  error: 'n_error',
};

/** customers.imports and customers.import_rows. */
@Injectable()
export class ImportsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The upload's import, made by its first chunk (a chunk sent again finds it). */
  async createUpload(
    tenantId: string,
    id: string,
    createdBy: string | null,
    fileName: string,
  ): Promise<ImportRow> {
    await this.dataSource.query(
      `INSERT INTO customers.imports (tenant_id, id, created_by, file_name)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [tenantId, id, createdBy, fileName],
    );
    return (await this.find(tenantId, id))!;
  }

  async find(tenantId: string, id: string): Promise<ImportRow | null> {
    const rows: ImportRow[] = await this.dataSource.query(
      `SELECT * FROM customers.imports WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  async setUploadedSize(tenantId: string, id: string, size: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE customers.imports SET file_size = $3 WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, size],
    );
  }

  /** An uploaded import whose file opened: planning. Null when it is no longer uploading. */
  async startPlanning(
    tenantId: string,
    id: string,
    file: {
      sha256: string;
      size: number;
      format: 'csv' | 'xlsx';
      encoding: string | null;
      separator: string | null;
      options: StoredImportOptions;
      warnings: ImportWarningView[];
    },
  ): Promise<ImportRow | null> {
    const [rows]: [ImportRow[], number] = await this.dataSource.query(
      `UPDATE customers.imports
          SET status = 'planning', file_sha256 = $3, file_size = $4, format = $5, encoding = $6,
              separator = $7, options = $8, warnings = $9
        WHERE tenant_id = $1 AND id = $2 AND status = 'uploading'
        RETURNING *`,
      [
        tenantId,
        id,
        file.sha256,
        file.size,
        file.format,
        file.encoding,
        file.separator,
        JSON.stringify(file.options),
        JSON.stringify(file.warnings),
      ],
    );
    return rows[0] ?? null;
  }

  /** A failed import with its problem (a file that cannot be read, a run that failed). */
  async fail(tenantId: string, id: string, problem: ProblemDetails): Promise<void> {
    await this.dataSource.query(
      `UPDATE customers.imports SET status = 'failed', problem = $3
        WHERE tenant_id = $1 AND id = $2 AND status IN ('uploading', 'planning')`,
      [tenantId, id, JSON.stringify(problem)],
    );
  }

  /** The tenant's imports, newest first (ids are UUIDv7), after the cursor's id. */
  async list(tenantId: string, before: string | null, limit: number): Promise<ImportRow[]> {
    return this.dataSource.query(
      `SELECT * FROM customers.imports
        WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3`,
      [tenantId, before, limit],
    );
  }

  async rows(
    tenantId: string,
    id: string,
    outcome: ImportOutcome | null,
    afterRow: number,
    limit: number,
  ): Promise<ImportRowView[]> {
    const rows: StoredRow[] = await this.dataSource.query(
      `SELECT row_number, outcome, customer_id, duplicate_reason, first_row, errors, result
         FROM customers.import_rows
        WHERE tenant_id = $1 AND import_id = $2 AND ($3::text IS NULL OR outcome = $3)
          AND row_number > $4
        ORDER BY row_number LIMIT $5`,
      [tenantId, id, outcome, afterRow, limit],
    );
    return rows.map(toRowView);
  }

  /** The error rows' numbers, errors and cells, in row order after `afterRow`. */
  async errorRows(
    tenantId: string,
    id: string,
    afterRow: number,
    limit: number,
  ): Promise<{ row_number: number; errors: FieldError[]; raw: string[] | null }[]> {
    return this.dataSource.query(
      `SELECT row_number, errors, raw FROM customers.import_rows
        WHERE tenant_id = $1 AND import_id = $2 AND outcome = 'error' AND row_number > $3
        ORDER BY row_number LIMIT $4`,
      [tenantId, id, afterRow, limit],
    );
  }

  /** A dry run starting (again): no rows, no counts. False when the import is not planning. */
  async restartPlan(tenantId: string, id: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [, updated]: [unknown[], number] = await manager.query(
        `UPDATE customers.imports
            SET rows_read = 0, bytes_read = 0, n_create = 0, n_update = 0, n_duplicate = 0,
                n_duplicate_in_file = 0, n_error = 0
          WHERE tenant_id = $1 AND id = $2 AND status = 'planning'`,
        [tenantId, id],
      );
      if (updated === 0) return false;
      await manager.query(
        `DELETE FROM customers.import_rows WHERE tenant_id = $1 AND import_id = $2`,
        [tenantId, id],
      );
      return true;
    });
  }

  /**
   * A batch's planned rows and the import's progress, in one statement: nothing is written when
   * the import is no longer planning (cancelled meanwhile). Answers whether it was written.
   */
  async savePlannedBatch(
    tenantId: string,
    id: string,
    plans: readonly PlannedRow[],
    bytesRead: number,
  ): Promise<boolean> {
    const counts: Record<string, number> = {};
    for (const column of Object.values(COUNT_COLUMN)) counts[column] = 0;
    for (const plan of plans) counts[COUNT_COLUMN[plan.outcome]]++;
    // Column arrays, unnested by the database: no JSON document of the batch to parse and take
    // apart field by field; only the JSON columns are JSON (and null for most rows but planned).
    const numbers: number[] = [];
    const outcomes: string[] = [];
    const customers: (string | null)[] = [];
    const reasons: (string | null)[] = [];
    const firsts: (number | null)[] = [];
    const errors: (string | null)[] = [];
    const planned: (string | null)[] = [];
    const raws: (string | null)[] = [];
    for (const plan of plans) {
      numbers.push(plan.rowNumber);
      outcomes.push(plan.outcome);
      customers.push(plan.customerId);
      reasons.push(plan.duplicateReason);
      firsts.push(plan.firstRow);
      errors.push(plan.errors && JSON.stringify(plan.errors));
      planned.push(plan.planned && JSON.stringify(plan.planned));
      raws.push(plan.raw && JSON.stringify(plan.raw));
    }
    // An UPDATE answers [rows, count] through TypeORM.
    const [result]: [{ written: boolean }[], number] = await this.dataSource.query(
      `WITH target AS (
         SELECT id FROM customers.imports
          WHERE tenant_id = $1 AND id = $2 AND status = 'planning' FOR UPDATE
       ), written AS (
         INSERT INTO customers.import_rows
           (tenant_id, import_id, row_number, outcome, customer_id, duplicate_reason, first_row,
            errors, planned, raw)
         SELECT $1, $2, r.n, r.o, r.c, r.d, r.f, r.e, r.p, r.r
           FROM unnest($10::int[], $11::text[], $12::uuid[], $13::text[], $14::int[],
                       $15::jsonb[], $16::jsonb[], $17::jsonb[]) AS r(n, o, c, d, f, e, p, r)
          WHERE EXISTS (SELECT 1 FROM target)
         RETURNING 1
       )
       UPDATE customers.imports
          SET rows_read = rows_read + $3, bytes_read = greatest(bytes_read, $4),
              n_create = n_create + $5, n_update = n_update + $6,
              n_duplicate = n_duplicate + $7, n_duplicate_in_file = n_duplicate_in_file + $8,
              n_error = n_error + $9
        WHERE tenant_id = $1 AND id IN (SELECT id FROM target)
          AND (SELECT count(*) FROM written) >= 0
        RETURNING true AS written`,
      [
        tenantId,
        id,
        plans.length,
        bytesRead,
        counts.n_create,
        counts.n_update,
        counts.n_duplicate,
        counts.n_duplicate_in_file,
        counts.n_error,
        numbers,
        outcomes,
        customers,
        reasons,
        firsts,
        errors,
        planned,
        raws,
      ],
    );
    return result.length > 0;
  }

  /** The dry run done: planned, the whole file read. */
  async finishPlan(tenantId: string, id: string): Promise<boolean> {
    const [, updated]: [unknown[], number] = await this.dataSource.query(
      `UPDATE customers.imports
          SET status = 'planned', planned_at = now(), bytes_read = file_size
        WHERE tenant_id = $1 AND id = $2 AND status = 'planning'`,
      [tenantId, id],
    );
    return updated > 0;
  }

  /** Deletes a dry run's rows (a cancelled or expired import's personal data). */
  async deleteRows(tenantId: string, id: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM customers.import_rows WHERE tenant_id = $1 AND import_id = $2`,
      [tenantId, id],
    );
  }

  /** Cancels an import being uploaded, planned or committed; null when it was in none of those. */
  async cancel(tenantId: string, id: string): Promise<ImportRow | null> {
    const [rows]: [ImportRow[], number] = await this.dataSource.query(
      `UPDATE customers.imports SET status = 'cancelled', cancelled_at = now()
        WHERE tenant_id = $1 AND id = $2
          AND status IN ('uploading', 'planning', 'planned', 'committing')
        RETURNING *`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }
}
