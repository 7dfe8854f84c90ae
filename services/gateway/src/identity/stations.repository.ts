import { Injectable } from '@nestjs/common';
import { DataSource, MoreThan, type EntityManager, type Repository } from 'typeorm';
import { Station } from './entities/station.entity';

/** Every query names the tenant: a station of another tenant is never found. */
@Injectable()
export class StationsRepository {
  private readonly stations: Repository<Station>;

  constructor(dataSource: DataSource) {
    this.stations = dataSource.getRepository(Station);
  }

  page(tenantId: string, limit: number, after?: string): Promise<Station[]> {
    return this.stations.find({
      where: after ? { tenantId, id: MoreThan(after) } : { tenantId },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  findInTenant(tenantId: string, id: string): Promise<Station | null> {
    return this.stations.findOneBy({ tenantId, id });
  }

  /** The stations among `ids` that belong to the tenant, ordered by name. */
  async namesInTenant(tenantId: string, ids: string[]): Promise<Pick<Station, 'id' | 'name'>[]> {
    if (ids.length === 0) return [];
    return this.stations
      .createQueryBuilder('s')
      .select(['s.id', 's.name'])
      .where('s.tenant_id = :tenantId AND s.id = ANY(:ids)', { tenantId, ids })
      .orderBy('s.name')
      .addOrderBy('s.id')
      .getMany();
  }

  insert(
    manager: EntityManager,
    station: Omit<Station, 'createdAt' | 'updatedAt'>,
  ): Promise<Station> {
    const stations = manager.getRepository(Station);
    return stations.save(stations.create(station));
  }

  save(station: Station, manager?: EntityManager): Promise<Station> {
    return (manager ? manager.getRepository(Station) : this.stations).save(station);
  }
}
