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

/**
 * A station's name, announced at its creation, at each rename and again at each gateway start
 * under its current version (the event id is the station's and the version's), so the
 * reporting service prints stations by name. `version` grows with each rename: a consumer keeps
 * the highest. A station's name is the business's, never a person's.
 */
export const STATION_NAMED_V1 = 'gateway.station.named.v1';

export interface StationNamedV1 {
  stationId: string;
  name: string;
  version: number;
}

export const stationNamedV1Schema = {
  $id: STATION_NAMED_V1,
  type: 'object',
  additionalProperties: true,
  required: ['stationId', 'name', 'version'],
  properties: {
    stationId: { type: 'string', format: 'uuid' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    version: { type: 'integer', minimum: 1 },
  },
} as const;
