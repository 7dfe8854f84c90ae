import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Outbox } from '@kanta/messaging';
import { DELETION_GRACE_DAYS, REPORT_RETENTION_DAYS } from '@kanta/contracts';
import { uuidv7 } from '@kanta/platform';
import { ProblemError } from '@kanta/platform';
import type {
  CreateTenantDto,
  PageQueryDto,
  TenantPage,
  TenantView,
  UpdateTenantDto,
} from './dto/identity.dto';
import { defaultTimeZone } from './time-zone';
import type { Tenant } from './entities/tenant.entity';
import { DEFAULT_PAGE_SIZE, pageOf } from './page';
import { TenantsRepository } from './tenants.repository';
import { tenantSettingsEvent } from './tenant-settings';
import { uniqueViolation } from '@kanta/database';
import { IdentityService } from '../auth/identity.service';

export function tenantView(tenant: Tenant): TenantView {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    locale: tenant.locale,
    country: tenant.country,
    timeZone: tenant.timeZone,
    deletionGraceDays: tenant.deletionGraceDays,
    retentionYears: tenant.retentionYears,
    reportRetentionDays: tenant.reportRetentionDays,
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}

/** Companies using Kanta; managed by superadmins only. */
@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly identities: IdentityService,
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  async list(query: PageQueryDto): Promise<TenantPage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    return pageOf(await this.tenants.page(limit + 1, query.cursor), limit, tenantView);
  }

  async get(id: string): Promise<TenantView> {
    return tenantView(await this.found(id));
  }

  async create(dto: CreateTenantDto): Promise<TenantView> {
    try {
      // Announced with its creation: the services acting on its settings know them from the start.
      const tenant = await this.dataSource.transaction(async (manager) => {
        const created = await this.tenants.insert(
          {
            id: uuidv7(),
            ...dto,
            timeZone: dto.timeZone ?? defaultTimeZone(dto.country),
            deletionGraceDays: dto.deletionGraceDays ?? DELETION_GRACE_DAYS.default,
            retentionYears: dto.retentionYears ?? null,
            reportRetentionDays: dto.reportRetentionDays ?? REPORT_RETENTION_DAYS.default,
            settingsVersion: 1,
          },
          manager,
        );
        await this.outbox.enqueue(manager, [tenantSettingsEvent(created)]);
        return created;
      });
      return tenantView(tenant);
    } catch (error) {
      if (uniqueViolation(error) === 'tenants_slug_key') {
        throw ProblemError.conflict('slug-taken', 'Another tenant has this slug.', [
          { field: 'slug', reason: 'taken', message: 'slug is already used by another tenant' },
        ]);
      }
      throw error;
    }
  }

  async update(id: string, dto: UpdateTenantDto): Promise<TenantView> {
    const tenant = await this.found(id);
    const { retentionYears, reportRetentionDays, ...rest } = dto;
    const announced = {
      retentionYears: retentionYears === undefined ? tenant.retentionYears : retentionYears,
      reportRetentionDays: reportRetentionDays ?? tenant.reportRetentionDays,
    };
    const saved = await this.dataSource.transaction(async (manager) => {
      await this.tenants.save(Object.assign(tenant, rest), manager);
      if (
        announced.retentionYears === tenant.retentionYears &&
        announced.reportRetentionDays === tenant.reportRetentionDays
      ) {
        return tenant;
      }
      // Announced settings: changed and announced in one transaction (the outbox).
      await this.tenants.changeSettings(manager, id, announced);
      const changed = (await this.tenants.findIn(manager, id)) as Tenant;
      await this.outbox.enqueue(manager, [tenantSettingsEvent(changed)]);
      return changed;
    });
    // Locale, country and time zone travel in every caller context built from the cache.
    this.identities.forget();
    return tenantView(saved);
  }

  private async found(id: string): Promise<Tenant> {
    const tenant = await this.tenants.findById(id);
    if (!tenant) throw ProblemError.notFound('Tenant');
    return tenant;
  }
}
