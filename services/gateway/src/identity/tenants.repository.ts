import { Injectable } from '@nestjs/common';
import { DataSource, MoreThan, type EntityManager, type Repository } from 'typeorm';
import { Tenant } from './entities/tenant.entity';

@Injectable()
export class TenantsRepository {
  private readonly tenants: Repository<Tenant>;

  constructor(dataSource: DataSource) {
    this.tenants = dataSource.getRepository(Tenant);
  }

  /** Ordered by id (UUIDv7, so by creation); `after` is the last id of the previous page. */
  page(limit: number, after?: string): Promise<Tenant[]> {
    return this.tenants.find({
      where: after ? { id: MoreThan(after) } : {},
      order: { id: 'ASC' },
      take: limit,
    });
  }

  findById(id: string): Promise<Tenant | null> {
    return this.tenants.findOneBy({ id });
  }

  /** In `manager`'s transaction when given (the tenant is announced with it). */
  insert(
    tenant: Omit<Tenant, 'createdAt' | 'updatedAt'>,
    manager?: EntityManager,
  ): Promise<Tenant> {
    const tenants = manager?.getRepository(Tenant) ?? this.tenants;
    return tenants.save(tenants.create(tenant));
  }

  save(tenant: Tenant, manager?: EntityManager): Promise<Tenant> {
    return (manager?.getRepository(Tenant) ?? this.tenants).save(tenant);
  }

  /**
   * Sets the announced settings and counts the change, in one statement: two changes at once
   * get two versions, in the order they committed, each announced with its own values.
   */
  async changeSettings(
    manager: EntityManager,
    id: string,
    settings: { retentionYears: number | null; reportRetentionDays: number },
  ): Promise<void> {
    await manager.query(
      `UPDATE gateway.tenants
          SET retention_years = $2, report_retention_days = $3,
              settings_version = settings_version + 1, updated_at = now()
        WHERE id = $1`,
      [id, settings.retentionYears, settings.reportRetentionDays],
    );
  }

  findIn(manager: EntityManager, id: string): Promise<Tenant | null> {
    return manager.getRepository(Tenant).findOneBy({ id });
  }
}
