import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  isUuid,
  type CallerContext,
  type PageQueryDto,
  type RetentionPreview,
  type RetentionPreviewQueryDto,
  type RetentionRunPage,
} from '@kanta/contracts';
import { decodeKeysetCursor, encodeKeysetCursor, requireTenant } from '@kanta/platform';
import { RetentionRepository, retentionRunView } from './retention.repository';

const DEFAULT_PAGE_SIZE = 25;

const afterOf = (cursor: string | undefined): string | null =>
  cursor ? decodeKeysetCursor(cursor, (parts) => parts.length === 1 && isUuid(parts[0]))[0] : null;

/**
 * What an admin sees of retention: who it would erase now (the same query the sweep locks its
 * batches with), and what the sweep's runs did.
 */
@Injectable()
export class Retention {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: RetentionRepository,
  ) {}

  /**
   * The customers the sweep would erase now, with the tenant's setting as this service knows it,
   * or `years` to try another value. Off and no `years`: nobody.
   */
  async preview(
    context: CallerContext,
    query: RetentionPreviewQueryDto,
  ): Promise<RetentionPreview> {
    const tenantId = requireTenant(context).id;
    const manager = this.dataSource.manager;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = afterOf(query.cursor);
    const years = query.years ?? (await this.repository.yearsOf(manager, tenantId));
    if (years === null) return { years: null, cutoff: null, total: 0, items: [], nextCursor: null };
    const cutoff = await this.repository.cutoff(manager, years);
    const total = await this.repository.countDue(manager, tenantId, cutoff);
    const rows = await this.repository.pageDue(manager, tenantId, cutoff, after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      years,
      cutoff: cutoff.toISOString(),
      total,
      items: page,
      nextCursor:
        rows.length > limit ? encodeKeysetCursor([page[page.length - 1].customerId]) : null,
    };
  }

  async runs(context: CallerContext, query: PageQueryDto): Promise<RetentionRunPage> {
    const tenantId = requireTenant(context).id;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.runs(
      this.dataSource.manager,
      tenantId,
      afterOf(query.cursor),
      limit + 1,
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map(retentionRunView),
      nextCursor: rows.length > limit ? encodeKeysetCursor([page[page.length - 1].id]) : null,
    };
  }
}
