import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { STATION_CREATED_V1, STATION_NAMED_V1 } from '@kanta/contracts';
import { Outbox, type OutboxEvent } from '@kanta/messaging';
import { uuidv5 } from '@kanta/platform';
import { tenantSettingsEvent } from './tenant-settings';

/** The namespace of station announcements' event ids (a random UUID, fixed for good). */
const STATION_EVENTS = '3f0c1a57-8f5e-4b0e-9d0c-5a1b2e6f7c41';

/**
 * The announcement of a station to the services (ids only). Its event id comes from the
 * station's: announced again, it is the same event, which the services' inboxes let through once.
 */
export function stationCreatedEvent(station: {
  id: string;
  tenantId: string;
}): OutboxEvent<typeof STATION_CREATED_V1> {
  return {
    eventId: uuidv5(STATION_EVENTS, station.id),
    type: STATION_CREATED_V1,
    tenantId: station.tenantId,
    correlationId: null,
    payload: { stationId: station.id },
  };
}

/** The namespace of station names' event ids (a random UUID, fixed for good). */
const STATION_NAME_EVENTS = '9c2e4b71-5d3a-4f86-b0e9-71a4c8d2f513';

/**
 * A station's name as it is at `version` (gateway.station.named.v1), for the reports. Its event
 * id comes from the station's and the version's: announced again, it is the same event.
 */
export function stationNamedEvent(station: {
  id: string;
  tenantId: string;
  name: string;
  nameVersion: number;
}): OutboxEvent<typeof STATION_NAMED_V1> {
  return {
    eventId: uuidv5(STATION_NAME_EVENTS, `${station.id}:${station.nameVersion}`),
    type: STATION_NAMED_V1,
    tenantId: station.tenantId,
    correlationId: null,
    payload: { stationId: station.id, name: station.name, version: station.nameVersion },
  };
}

/** A new station's announcements: that it exists, and its name. */
export function newStationEvents(station: {
  id: string;
  tenantId: string;
  name: string;
  nameVersion: number;
}): OutboxEvent[] {
  return [stationCreatedEvent(station), stationNamedEvent(station)];
}

/** Stations announced per transaction. */
const BATCH = 1000;

/** Held while one gateway announces: the others, starting at the same time, leave it to it. */
const ANNOUNCING = 'kanta.gateway.announce-stations';

/**
 * Announces every station again at each start (that it exists, and its current name): a service first deployed later (its queue did
 * not exist when a station was announced), or one that lost an announcement, learns it then. The
 * event ids are the stations' own, so a service that has one already skips it (its inbox): an
 * announcement still in the outbox is sent again as it is, a missing one is written. Replicas
 * starting together announce once: the first takes a session lock, the others skip.
 *
 * Tenants' settings (gateway.tenant.settings.v1, their current version) are announced again the
 * same way, for the same reason: the privacy service's retention sweep acts on them. A tenant
 * whose settings never changed since before the announcements existed (version 0) has the
 * defaults every service assumes, and is not announced.
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

  /**
   * Announces every station, a thousand per transaction, then the tenants' settings; returns how
   * many stations (0 when another gateway is announcing them at this moment).
   */
  async announce(): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ held }] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS held', [
        ANNOUNCING,
      ])) as { held: boolean }[];
      if (!held) {
        this.logger.log('another gateway is announcing the stations');
        return 0;
      }
      try {
        const stations = await this.announceAll();
        await this.announceTenantSettings();
        return stations;
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [ANNOUNCING]);
      }
    } finally {
      await runner.release();
    }
  }

  private async announceAll(): Promise<number> {
    let total = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const stations = await this.dataSource.query<
        { id: string; tenant_id: string; name: string; name_version: number }[]
      >(
        `SELECT id, tenant_id, name, name_version FROM gateway.stations
          WHERE id > $1 ORDER BY id LIMIT ${BATCH}`,
        [after],
      );
      if (stations.length === 0) return total;
      after = stations[stations.length - 1].id;
      const events = stations.flatMap((r) =>
        newStationEvents({
          id: r.id,
          tenantId: r.tenant_id,
          name: r.name,
          nameVersion: r.name_version,
        }),
      );
      await this.announceAgain(events);
      total += stations.length;
      if (stations.length < BATCH) return total;
    }
  }

  private async announceTenantSettings(): Promise<number> {
    let total = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const tenants = await this.dataSource.query<
        {
          id: string;
          retention_years: number | null;
          report_retention_days: number;
          settings_version: number;
        }[]
      >(
        `SELECT id, retention_years, report_retention_days, settings_version FROM gateway.tenants
          WHERE id > $1 AND settings_version > 0 ORDER BY id LIMIT ${BATCH}`,
        [after],
      );
      if (tenants.length === 0) return total;
      after = tenants[tenants.length - 1].id;
      await this.announceAgain(
        tenants.map((t) =>
          tenantSettingsEvent({
            id: t.id,
            retentionYears: t.retention_years,
            reportRetentionDays: t.report_retention_days,
            settingsVersion: t.settings_version,
          }),
        ),
      );
      total += tenants.length;
      if (tenants.length < BATCH) return total;
    }
  }

  /** Events with ids of their own: sent again if still in the outbox, else written to it. */
  private async announceAgain(events: OutboxEvent[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Still in the outbox: the relay sends it again, with its id.
      const [again] = await manager.query<[{ event_id: string }[], number]>(
        `UPDATE gateway.outbox SET published_at = NULL
          WHERE event_id = ANY($1::uuid[])
         RETURNING event_id`,
        [events.map((e) => e.eventId)],
      );
      const present = new Set(again.map((r) => r.event_id));
      const missing = events.filter((e) => !present.has(e.eventId!));
      if (missing.length > 0) await this.outbox.enqueue(manager, missing);
    });
  }
}
