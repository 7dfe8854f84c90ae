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
const BATCH = 500;

/**
 * Announces, at start, the stations created before stations were announced with their creation
 * (`announced_at` is null): the services that check partner events from the broker learn every
 * station once. Instances starting together share the work (SKIP LOCKED).
 */
@Injectable()
export class StationAnnouncer implements OnApplicationBootstrap {
  private readonly logger = new Logger('StationAnnouncer');

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: a start never waits for it; a failure is retried at the next start.
    void this.announce().catch((error: Error) =>
      this.logger.warn(`announcing stations failed: ${error.message}`),
    );
  }

  /** Announces the stations not yet announced; returns how many. */
  async announce(): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.dataSource.transaction(async (manager) => {
        const rows = await manager.query<{ id: string; tenant_id: string }[]>(
          `SELECT id, tenant_id FROM gateway.stations WHERE announced_at IS NULL
            ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
        );
        if (rows.length === 0) return 0;
        await this.outbox.enqueue(
          manager,
          rows.map((r) => stationCreatedEvent({ id: r.id, tenantId: r.tenant_id })),
        );
        await manager.query(
          'UPDATE gateway.stations SET announced_at = now() WHERE id = ANY($1::uuid[])',
          [rows.map((r) => r.id)],
        );
        return rows.length;
      });
      total += count;
      if (count < BATCH) return total;
    }
  }
}
