import { STATION_CREATED_V1 } from '@kanta/contracts';
import { InvalidEventError, type EventConsumer, type EventHandlerContext } from './event-consumer';
import type { KnownEventEnvelope } from './event-validation';

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

/**
 * The table keyed by the station alone (a station is one tenant's), as the check joins it, with
 * the tenant's stations found through an index of their own. A migration after the table's.
 */
export function knownStationsByStationUp(schema: string): string[] {
  return [
    `ALTER TABLE "${schema}".known_stations DROP CONSTRAINT known_stations_pkey,
       ADD PRIMARY KEY (station_id)`,
    `CREATE INDEX known_stations_tenant_idx ON "${schema}".known_stations (tenant_id)`,
  ];
}

export function knownStationsByStationDown(schema: string): string[] {
  return [
    `DROP INDEX "${schema}".known_stations_tenant_idx`,
    `ALTER TABLE "${schema}".known_stations DROP CONSTRAINT known_stations_pkey,
       ADD PRIMARY KEY (tenant_id, station_id)`,
  ];
}

export function knownStationsTableDown(schema: string): string[] {
  return [`DROP TABLE "${schema}".known_stations`];
}

/**
 * The tenants' stations as the gateway announces them (`gateway.station.created.v1`), for the
 * services that take partner events straight from the broker: an event naming a station that
 * is not its tenant's is refused there as the gateway refuses it over HTTP. A station known to
 * be another tenant's is refused at once; one nobody announced may be on its way (a station
 * created a moment ago), so the event is retried and refused only at its last attempt, unless
 * none of its tenant's stations has been announced yet (then it is not judged).
 */
export class KnownStations {
  constructor(private readonly schema: string) {}

  /**
   * Learns the stations the gateway announces, and refuses partner events naming a station their
   * tenant does not have, through the service's consumer: call it before registering the
   * service's partner handlers. `acts` says which partner events the service acts on: the others
   * it acks as they are, unchecked (the customers service does nothing with a cancel).
   */
  register(events: EventConsumer, acts: (event: KnownEventEnvelope) => boolean = () => true): void {
    events.onBatch(STATION_CREATED_V1, async (announced, { manager }) => {
      await manager.query(
        `INSERT INTO "${this.schema}".known_stations (station_id, tenant_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING`,
        [announced.map((e) => e.payload.stationId), announced.map((e) => e.tenantId)],
      );
    });
    // Before the service's own partner handlers (handlers run in registration order): one
    // statement per batch for every partner event's station.
    events.onBatchPattern('partner.#', (partnerEvents, context) =>
      this.refuseForeign(
        partnerEvents.filter(acts).map((e) => ({
          tenantId: e.tenantId as string,
          stationId: (e.payload as { stationId: string }).stationId,
        })),
        context,
      ),
    );
  }

  /**
   * Refuses the events (InvalidEventError: the DLQ and the rejected list) when one names a
   * station of another tenant, or one nobody announced at the event's last attempt; before that
   * an unannounced station fails the attempt, to be retried. In a consumer batch (attempt 1),
   * the batch is then handled one by one and only that event is refused or retried.
   */
  private async refuseForeign(
    entries: { tenantId: string; stationId: string }[],
    { manager, lastAttempt }: EventHandlerContext,
  ): Promise<void> {
    if (entries.length === 0) return;
    // The stations named that are not their tenant's: another tenant's, or unannounced for a
    // tenant with known stations.
    const foreign = await manager.query<{ others_station: boolean }[]>(
      `SELECT s.station_id IS NOT NULL AS others_station
         FROM (SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[])) AS k(tenant_id, station_id)
         LEFT JOIN "${this.schema}".known_stations s ON s.station_id = k.station_id
        WHERE s.tenant_id IS DISTINCT FROM k.tenant_id
          AND (s.station_id IS NOT NULL
               OR EXISTS (SELECT 1 FROM "${this.schema}".known_stations t
                           WHERE t.tenant_id = k.tenant_id))`,
      [entries.map((e) => e.tenantId), entries.map((e) => e.stationId)],
    );
    if (foreign.length === 0) return;
    if (foreign.some((f) => f.others_station) || lastAttempt) {
      throw new InvalidEventError(
        'payload.stationId unknown_station: stationId must be a station of the tenant',
      );
    }
    throw new Error('payload.stationId names a station not announced yet; retrying');
  }
}
