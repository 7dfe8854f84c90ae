import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Outbox } from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import { newStationEvents, stationNamedEvent } from './station-announcer';
import { ProblemError } from '@kanta/platform';
import type { Caller } from '../auth/auth.decorators';
import { IdentityService } from '../auth/identity.service';
import type {
  CreateStationDto,
  PageQueryDto,
  StationPage,
  StationView,
  UpdateStationDto,
} from './dto/identity.dto';
import type { Station } from './entities/station.entity';
import { DEFAULT_PAGE_SIZE, pageOf } from './page';
import { StationsRepository } from './stations.repository';
import { uniqueViolation } from '@kanta/database';

function stationView(station: Station): StationView {
  return {
    id: station.id,
    tenantId: station.tenantId,
    name: station.name,
    createdAt: station.createdAt.toISOString(),
    updatedAt: station.updatedAt.toISOString(),
  };
}

const nameTaken = (): ProblemError =>
  ProblemError.conflict('station-name-taken', 'The tenant has a station with this name.', [
    { field: 'name', reason: 'taken', message: 'name is already used by another station' },
  ]);

/** The locations of the caller's own tenant. */
@Injectable()
export class StationsService {
  constructor(
    private readonly stations: StationsRepository,
    private readonly identities: IdentityService,
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  async list(caller: Caller, query: PageQueryDto): Promise<StationPage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.stations.page(tenantOf(caller), limit + 1, query.cursor);
    return pageOf(rows, limit, stationView);
  }

  async create(caller: Caller, dto: CreateStationDto): Promise<StationView> {
    try {
      // Announced with its creation, so partner events naming it are checked by the services.
      const station = await this.dataSource.transaction(async (manager) => {
        const created = await this.stations.insert(manager, {
          id: uuidv7(),
          tenantId: tenantOf(caller),
          name: dto.name,
          nameVersion: 1,
        });
        await this.outbox.enqueue(manager, newStationEvents(created));
        return created;
      });
      // Admins work at every station of their tenant: their cached identities are now stale.
      this.identities.forget();
      return stationView(station);
    } catch (error) {
      if (uniqueViolation(error) === 'stations_tenant_name_key') throw nameTaken();
      throw error;
    }
  }

  async update(caller: Caller, id: string, dto: UpdateStationDto): Promise<StationView> {
    const station = await this.stations.findInTenant(tenantOf(caller), id);
    if (!station) throw ProblemError.notFound('Station');
    try {
      // A new name is announced with the rename, under the next version (the reports print it).
      const renamed = dto.name !== undefined && dto.name !== station.name;
      const saved = await this.dataSource.transaction(async (manager) => {
        Object.assign(station, dto);
        if (renamed) station.nameVersion += 1;
        const written = await this.stations.save(station, manager);
        if (renamed) await this.outbox.enqueue(manager, [stationNamedEvent(written)]);
        return written;
      });
      return stationView(saved);
    } catch (error) {
      if (uniqueViolation(error) === 'stations_tenant_name_key') throw nameTaken();
      throw error;
    }
  }
}

/** The routes using this are @TenantScoped, so the guard already refused callers without one. */
export function tenantOf(caller: Caller): string {
  if (!caller.identity.tenant) throw ProblemError.forbidden('Your account has no tenant.');
  return caller.identity.tenant.id;
}
