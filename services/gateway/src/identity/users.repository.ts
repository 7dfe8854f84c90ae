import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Role } from '@kanta/contracts';
import { User, UserStation } from './entities/user.entity';

export interface UserWithStations {
  user: User;
  stationIds: string[];
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  tenant_id: string | null;
  active: boolean;
  token_version: number;
  created_at: Date;
  updated_at: Date;
  station_ids: string[];
}

const SELECT_WITH_STATIONS = `
  SELECT u.*, ARRAY(SELECT us.station_id::text FROM gateway.user_stations us
                     WHERE us.user_id = u.id ORDER BY us.station_id) AS station_ids
    FROM gateway.users u`;

function toUser(row: UserRow): UserWithStations {
  const user = Object.assign(new User(), {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    tenantId: row.tenant_id,
    active: row.active,
    tokenVersion: row.token_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
  return { user, stationIds: row.station_ids };
}

@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  findByEmail(email: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOneBy({ email });
  }

  async existsByEmail(email: string): Promise<boolean> {
    return this.dataSource.getRepository(User).existsBy({ email });
  }

  /** A user of the tenant; with `tenantId` null (a superadmin asking), any user. */
  async find(id: string, tenantId: string | null): Promise<UserWithStations | null> {
    const rows: UserRow[] = await this.dataSource.query(
      `${SELECT_WITH_STATIONS} WHERE u.id = $1 AND ($2::uuid IS NULL OR u.tenant_id = $2)`,
      [id, tenantId],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  async page(tenantId: string, limit: number, after?: string): Promise<UserWithStations[]> {
    const rows: UserRow[] = await this.dataSource.query(
      `${SELECT_WITH_STATIONS} WHERE u.tenant_id = $1 AND ($2::uuid IS NULL OR u.id > $2)
        ORDER BY u.id LIMIT $3`,
      [tenantId, after ?? null, limit],
    );
    return rows.map(toUser);
  }

  /** Saves the user and replaces their station links in one transaction. */
  async save(user: User, stationIds: string[] | undefined): Promise<void> {
    await this.dataSource.transaction(async (manager: EntityManager) => {
      await manager.getRepository(User).save(user);
      if (stationIds === undefined || user.tenantId === null) return;
      await manager.delete(UserStation, { userId: user.id });
      if (stationIds.length > 0) {
        await manager.insert(
          UserStation,
          stationIds.map((stationId) => ({
            tenantId: user.tenantId as string,
            userId: user.id,
            stationId,
          })),
        );
      }
    });
  }
}
