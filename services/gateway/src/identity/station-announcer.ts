import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { STATION_CREATED_V1 } from '@kanta/contracts';
import { Outbox, type OutboxEvent } from '@kanta/messaging';

/** The announcement of a station to the services (ids only). */
export function stationCreatedEvent(station: {
  id: string;
  tenantId: string;
}): OutboxEvent<typeof STATION_CREATED_V1> {
  return {
    type: STATION_CREATED_V1,
    tenantId: station.tenantId,
    correlationId: null,
    payload: { stationId: station.id },
  };
}

/** Stations announced per transaction. */
const BATCH = 1000;

/**
 * Announces every station again at each start. A station is announced in the transaction that
 * creates it, but an announcement can miss a service: one whose queue did not exist yet (first
 * deployed after the station was made), or a station made before announcements existed. The
 * services keep each station once (`ON CONFLICT DO NOTHING`), so repeating is harmless.
 */
@Injectable()
export class StationAnnouncer implements OnApplicationBootstrap {
  private readonly logger = new Logger('StationAnnouncer');

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: a start never waits for it; a failure is repeated at the next start.
    void this.announce().catch((error: Error) =>
      this.logger.warn(`announcing stations failed: ${error.message}`),
    );
  }

  /** Announces every station, a thousand per transaction; returns how many. */
  async announce(): Promise<number> {
    let total = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await this.dataSource.query<{ id: string; tenant_id: string }[]>(
        `SELECT id, tenant_id FROM gateway.stations WHERE id > $1 ORDER BY id LIMIT ${BATCH}`,
        [after],
      );
      if (rows.length === 0) return total;
      await this.dataSource.transaction((manager) =>
        this.outbox.enqueue(
          manager,
          rows.map((r) => stationCreatedEvent({ id: r.id, tenantId: r.tenant_id })),
        ),
      );
      total += rows.length;
      after = rows[rows.length - 1].id;
      if (rows.length < BATCH) return total;
    }
  }
}
