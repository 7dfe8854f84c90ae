import { Injectable } from '@nestjs/common';
import { DataSource, MoreThan, type Repository } from 'typeorm';
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

  insert(tenant: Omit<Tenant, 'createdAt' | 'updatedAt'>): Promise<Tenant> {
    return this.tenants.save(this.tenants.create(tenant));
  }

  save(tenant: Tenant): Promise<Tenant> {
    return this.tenants.save(tenant);
  }
}
