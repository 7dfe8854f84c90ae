import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  isUuid,
  type AccessLogPage,
  type AccessLogQuery,
  type CallerContext,
} from '@kanta/contracts';
import { RpcProblem, decodeKeysetCursor, encodeKeysetCursor, requireTenant } from '@kanta/platform';
import { AccessLogRepository } from './access-log.repository';

const DEFAULT_PAGE_SIZE = 25;

/**
 * Reads the access audit for admins (the gateway checks the role): the tenant's entries, or one
 * customer's, newest first. A customer id that is not a UUID, or another tenant's, finds nothing:
 * an empty page, as for a customer nobody has opened yet.
 */
@Injectable()
export class AccessLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: AccessLogRepository,
  ) {}

  async list(context: CallerContext, query: AccessLogQuery): Promise<AccessLogPage> {
    const tenantId = requireTenant(context).id;
    if (query.customerId !== undefined && !isUuid(query.customerId)) {
      return { items: [], nextCursor: null };
    }
    if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) {
      throw RpcProblem.validation([
        { field: 'to', reason: 'before_from', message: 'to must not be before from' },
      ]);
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor
      ? decodeKeysetCursor(query.cursor, (parts) => parts.length === 1 && isUuid(parts[0]))[0]
      : null;
    const rows = await this.repository.list(this.dataSource.manager, tenantId, {
      customerId: query.customerId?.toLowerCase(),
      userId: query.userId,
      action: query.action,
      from: query.from,
      to: query.to,
      before,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      items: page,
      nextCursor: rows.length > limit ? encodeKeysetCursor([page[page.length - 1].id]) : null,
    };
  }
}
