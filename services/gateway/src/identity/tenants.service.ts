import { Injectable } from '@nestjs/common';
import { DELETION_GRACE_DAYS } from '@kanta/contracts';
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
      return tenantView(
        await this.tenants.insert({
          id: uuidv7(),
          ...dto,
          timeZone: dto.timeZone ?? defaultTimeZone(dto.country),
          deletionGraceDays: dto.deletionGraceDays ?? DELETION_GRACE_DAYS.default,
        }),
      );
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
    const saved = await this.tenants.save(Object.assign(tenant, dto));
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
