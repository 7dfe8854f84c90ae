import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';

/*
 * The reporting read model's rebuild (issue #15; services/reporting/README.md, "Rebuild"): each
 * owner pages through its reportable data over RPC — the same payloads its events carry — so the
 * reporting service reaches the read model without reading another service's schema.
 */

/**
 * Who the reporting service asks as when it pages an owner: this system user, role `admin`, in
 * the tenant being rebuilt (the context's tenant; the owner scopes every page to it), like the
 * privacy service's retention sweep acts as RETENTION_SYSTEM_USER_ID.
 */
export const REPORTING_SYSTEM_USER_ID = '00000000-0000-4000-8000-0000000e9027';

/** The most rows a rebuild page holds. */
export const REBUILD_PAGE_MAX = 1000;

/** One keyset page of an owner's reportable rows, by id, in the caller's tenant. */
export class ReportablePageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(REBUILD_PAGE_MAX)
  limit?: number;

  /** The last id of the previous page (the page starts after it). */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  cursor?: string;
}

/** A page: up to `limit` rows by id; `nextCursor` null on the last. */
export interface ReportablePage<T> {
  items: T[];
  nextCursor: string | null;
}

/** `reporting.rebuild`: one tenant's read model paged again from the owners. */
export class RebuildReadModelCommand {
  @IsUUID()
  tenantId!: string;
}

/** What a rebuild read from each owner (counts only). */
export interface RebuildResult {
  tenantId: string;
  counts: {
    customers: number;
    vehicles: number;
    visits: number;
    sales: number;
    consents: number;
    preferences: number;
  };
}
