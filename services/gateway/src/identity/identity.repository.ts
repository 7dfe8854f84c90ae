import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DELETION_GRACE_DAYS, type Locale, type Role } from '@kanta/contracts';
import type { Identity } from '../auth/identity';

interface IdentityRow {
  id: string;
  email: string;
  role: Role;
  active: boolean;
  token_version: number;
  tenant_id: string | null;
  slug: string | null;
  name: string | null;
  locale: Locale | null;
  country: string | null;
  time_zone: string | null;
  deletion_grace_days: number | null;
  user_station_ids: string[];
  tenant_station_ids: string[];
}

/** Loads everything the auth guard needs about a user in one round trip. */
@Injectable()
export class IdentityRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findIdentity(userId: string): Promise<Identity | null> {
    const rows: IdentityRow[] = await this.dataSource.query(
      `SELECT u.id, u.email, u.role, u.active, u.token_version, u.tenant_id, t.slug, t.name, t.locale, t.country,
              t.time_zone, t.deletion_grace_days,
              ARRAY(SELECT s.id::text FROM gateway.user_stations us
                      JOIN gateway.stations s ON s.tenant_id = us.tenant_id AND s.id = us.station_id
                     WHERE us.user_id = u.id ORDER BY s.name, s.id) AS user_station_ids,
              ARRAY(SELECT s.id::text FROM gateway.stations s
                     WHERE s.tenant_id = u.tenant_id ORDER BY s.name, s.id) AS tenant_station_ids
         FROM gateway.users u
         LEFT JOIN gateway.tenants t ON t.id = u.tenant_id
        WHERE u.id = $1`,
      [userId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      user: {
        id: row.id,
        email: row.email,
        role: row.role,
        active: row.active,
        tokenVersion: row.token_version,
      },
      tenant:
        row.tenant_id && row.slug && row.name && row.locale && row.country && row.time_zone
          ? {
              id: row.tenant_id,
              slug: row.slug,
              name: row.name,
              locale: row.locale,
              country: row.country,
              timeZone: row.time_zone,
              deletionGraceDays: row.deletion_grace_days ?? DELETION_GRACE_DAYS.default,
            }
          : null,
      stationIds: row.role === 'admin' ? row.tenant_station_ids : row.user_station_ids,
      tenantStationIds: new Set(row.tenant_station_ids),
    };
  }
}
