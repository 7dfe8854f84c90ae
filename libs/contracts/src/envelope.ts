/**
 * Every domain event travels in this envelope. `type` is also the routing key on the events
 * exchange (`customers.customer.created.v1`). Within a version a payload only grows; a breaking
 * change is a new `.vN` type with its own schema.
 */
export interface EventEnvelope<TPayload = unknown, TType extends string = string> {
  eventId: string;
  type: TType;
  occurredAt: string;
  tenantId: string | null;
  producer: string;
  correlationId: string | null;
  payload: TPayload;
}

export const envelopeSchema = {
  $id: 'kanta/envelope',
  type: 'object',
  additionalProperties: false,
  required: ['eventId', 'type', 'occurredAt', 'tenantId', 'producer', 'correlationId', 'payload'],
  properties: {
    eventId: { type: 'string', format: 'uuid' },
    type: { type: 'string', pattern: '^[a-z]+(\\.[a-z_]+)+\\.v[0-9]+$' },
    occurredAt: { type: 'string', format: 'date-time' },
    tenantId: { type: ['string', 'null'], format: 'uuid' },
    producer: { type: 'string', minLength: 1 },
    correlationId: { type: ['string', 'null'], maxLength: 200 },
    payload: { type: 'object' },
  },
} as const;

/**
 * How far ahead of the receiver's clock an event's `occurredAt` may be: clocks drift a little; a
 * time further ahead is a mistake that would win every later "latest event wins" comparison.
 */
export const OCCURRED_AT_MAX_AHEAD_MS = 24 * 60 * 60 * 1000;

/** Whether an event's time is too far ahead to be believed (see OCCURRED_AT_MAX_AHEAD_MS). */
export function occurredTooFarAhead(occurredAt: string, now = Date.now()): boolean {
  return Date.parse(occurredAt) > now + OCCURRED_AT_MAX_AHEAD_MS;
}
