import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CallerContext, ImportView } from '@kanta/contracts';
import { RpcProblem, requireTenant } from '@kanta/platform';
import { toImportView, type ImportRow } from '../imports.repository';

/** The import as the commit's answer shows it: the dry run's view of it. */
@Injectable()
export class ImportViews {
  constructor(private readonly dataSource: DataSource) {}

  async get(context: CallerContext, id: string): Promise<ImportView> {
    const tenant = requireTenant(context);
    const [row] = await this.dataSource.query<ImportRow[]>(
      'SELECT * FROM customers.imports WHERE tenant_id = $1 AND id = $2',
      [tenant.id, id],
    );
    if (!row) throw RpcProblem.notFound('Import');
    return toImportView(row);
  }
}
