import type { EntityManager } from 'typeorm';
import { STATION_CREATED_V1 } from '@kanta/contracts';
import { InvalidEventError, type EventConsumer } from './event-consumer';

/** The projection table a service that checks partner events keeps in its own schema. */
export function knownStationsTableUp(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".known_stations (
       tenant_id uuid NOT NULL,
       station_id uuid NOT NULL,
       PRIMARY KEY (tenant_id, station_id)
     )`,
  ];
}

export function knownStationsTableDown(schema: string): string[] {
  return [`DROP TABLE "${schema}".known_stations`];
}

/**
 * The tenants' stations as the gateway announces them (`gateway.station.created.v1`), for the
 * services that take partner events straight from the broker: an event naming a station that
 * is not its tenant's is refused there as the gateway refuses it over HTTP. A tenant none of
 * whose stations has been announced yet is not judged (its announcements are on their way), so
 * nothing is refused for want of news.
 */
export class KnownStations {
  constructor(private readonly schema: string) {}

  /** Learns the stations the gateway announces, through the service's consumer. */
  register(events: EventConsumer): void {
    events.onBatch(STATION_CREATED_V1, async (announced, { manager }) => {
      await manager.query(
        `INSERT INTO "${this.schema}".known_stations (tenant_id, station_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING`,
        [announced.map((e) => e.tenantId), announced.map((e) => e.payload.stationId)],
      );
    });
  }

  /**
   * The entries that name a station their tenant does not have, among tenants with known
   * stations (see the class).
   */
  async foreign<T extends { tenantId: string; stationId: string }>(
    manager: EntityManager,
    entries: T[],
  ): Promise<T[]> {
    if (entries.length === 0) return [];
    const rows = await manager.query<{ tenant_id: string; station_id: string }[]>(
      `SELECT k.tenant_id, k.station_id
         FROM (SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[])) AS k(tenant_id, station_id)
        WHERE EXISTS (SELECT 1 FROM "${this.schema}".known_stations s
                       WHERE s.tenant_id = k.tenant_id)
          AND NOT EXISTS (SELECT 1 FROM "${this.schema}".known_stations s
                           WHERE s.tenant_id = k.tenant_id AND s.station_id = k.station_id)`,
      [entries.map((e) => e.tenantId), entries.map((e) => e.stationId)],
    );
    const foreign = new Set(rows.map((r) => `${r.tenant_id}:${r.station_id}`));
    return entries.filter((e) => foreign.has(`${e.tenantId}:${e.stationId.toLowerCase()}`));
  }

  /**
   * Refuses the events (InvalidEventError: the DLQ and the rejected list) when one names a station
   * its tenant does not have; in a consumer batch, the batch is then handled one by one and only
   * that event is refused.
   */
  async refuseForeign(
    manager: EntityManager,
    entries: { tenantId: string; stationId: string }[],
  ): Promise<void> {
    if ((await this.foreign(manager, entries)).length > 0) {
      throw new InvalidEventError(
        'payload.stationId unknown_station: stationId must be a station of the tenant',
      );
    }
  }
}
