import { Injectable, type OnModuleInit } from '@nestjs/common';
import { STATION_NAMED_V1 } from '@kanta/contracts';
import { EventConsumer } from '@kanta/messaging';

/**
 * The tenants' station names from the gateway's announcements (gateway.station.named.v1), newest
 * version first, so reports print a station by name (`stationLabel`); a station not named here
 * yet is printed by its id.
 */
@Injectable()
export class StationNames implements OnModuleInit {
  constructor(private readonly events: EventConsumer) {}

  onModuleInit(): void {
    this.events.on(STATION_NAMED_V1, async (event, { manager }) => {
      if (!event.tenantId) return;
      await manager.query(
        `INSERT INTO reporting.stations AS s (tenant_id, station_id, name, version)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, station_id) DO UPDATE
           SET name = EXCLUDED.name, version = EXCLUDED.version
           WHERE s.version < EXCLUDED.version`,
        [event.tenantId, event.payload.stationId, event.payload.name, event.payload.version],
      );
    });
  }
}

/**
 * SQL: the name of the station `stationId` (a column or parameter) of `tenantId`, or its id when
 * the reporting service has not been told its name.
 */
export function stationLabel(tenantId: string, stationId: string): string {
  return `coalesce((SELECT st.name FROM reporting.stations st
                     WHERE st.tenant_id = ${tenantId} AND st.station_id = ${stationId}),
                   ${stationId}::text)`;
}
