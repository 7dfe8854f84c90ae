import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CallerContext, ImportView } from '@kanta/contracts';
import { RpcProblem, requireTenant } from '@kanta/platform';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/**
 * The import as the commit's answer shows it. Stand-in until the dry run's ImportsService
 * (imports.repository.ts, toImportView) is merged: then this answers with that.
 */
@Injectable()
export class ImportViews {
  constructor(private readonly dataSource: DataSource) {}

  async get(context: CallerContext, id: string): Promise<ImportView> {
    const tenant = requireTenant(context);
    const [row] = await this.dataSource.query<Record<string, never>[]>(
      'SELECT * FROM customers.imports WHERE tenant_id = $1 AND id = $2',
      [tenant.id, id],
    );
    if (!row) throw RpcProblem.notFound('Import');
    const r = row as Record<string, unknown> & Record<string, never>;
    const n = (key: string): number => Number(r[key] ?? 0);
    return {
      id: r.id,
      status: r.status,
      fileName: r.file_name,
      format: r.format,
      encoding: r.encoding,
      separator: r.separator,
      options: r.options,
      warnings: r.warnings,
      problem: r.problem,
      progress: {
        rowsRead: n('rows_read'),
        bytesRead: n('bytes_read'),
        sizeBytes: n('file_size'),
        percent: Math.floor((n('committed_through') / Math.max(1, n('rows_read'))) * 100),
      },
      counts: {
        create: n('n_create'),
        update: n('n_update'),
        duplicate: n('n_duplicate'),
        duplicateInFile: n('n_duplicate_in_file'),
        error: n('n_error'),
      },
      commit: {
        duplicates: r.duplicates,
        committedThrough: n('committed_through'),
        created: n('n_created'),
        updated: n('n_updated'),
        merged: n('n_merged'),
        skipped: n('n_skipped'),
        failed: n('n_failed'),
      },
      vehicles: {
        batchesSent: n('vehicle_batches_sent'),
        batchesDone: n('vehicle_batches_done'),
        created: n('n_vehicles_created'),
        refused: n('n_vehicles_refused'),
      },
      createdBy: r.created_by,
      createdAt: (r.created_at as Date).toISOString(),
      plannedAt: iso(r.planned_at),
      committedAt: iso(r.committed_at),
      cancelledAt: iso(r.cancelled_at),
      expiresAt: (r.expires_at as Date).toISOString(),
    };
  }
}
