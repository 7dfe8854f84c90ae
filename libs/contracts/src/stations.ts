/**
 * The gateway owns tenants and their stations; it announces each station once, so services that
 * take partner events straight from the broker can tell a station of the event's tenant from
 * any other id (the gateway checks the same over HTTP). Ids only.
 */
export const STATION_CREATED_V1 = 'gateway.station.created.v1';

export interface StationCreatedV1 {
  stationId: string;
}

export const stationCreatedV1Schema = {
  $id: STATION_CREATED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['stationId'],
  properties: { stationId: { type: 'string', format: 'uuid' } },
} as const;
