import type { Options } from 'amqplib';

/**
 * Header names the backbone writes. `x-kanta-*` so they never collide with RabbitMQ's own
 * `x-death`/`x-first-death-*` headers, which dead-lettering through the retry queue adds.
 */
export const HEADERS = {
  correlationId: 'x-correlation-id',
  eventType: 'x-event-type',
  producer: 'x-producer',
  /** Failed handler attempts so far (absent on a first delivery). */
  attempts: 'x-kanta-attempts',
  /** The routing key the event was published with; a retried message has lost it. */
  originalRoutingKey: 'x-kanta-original-routing-key',
  /** The last failure, on retried and dead-lettered messages. */
  lastError: 'x-kanta-last-error',
  /** Why the message is in the DLQ: `handler-failed` or `invalid-message`. */
  deadReason: 'x-kanta-dead-reason',
  consumer: 'x-kanta-consumer',
  deadAt: 'x-kanta-dead-at',
  /** On a message replayed from a dead letter: the dead letter's id, deleted once it is handled. */
  replayOf: 'x-kanta-replay-of',
} as const;

export type DeadReason = 'handler-failed' | 'invalid-message';

/** What the relay needs of an outbox row to publish it, without parsing its JSON. */
export interface OutgoingEvent {
  eventId: string;
  type: string;
  correlationId: string | null;
  producer: string;
  /** The envelope, already serialised. */
  body: Buffer;
}

/**
 * Publish options of a domain event. Every default that would lose a message is set on purpose:
 * persistent (survives a broker restart), mandatory (an unroutable message comes back rather
 * than vanishing, on top of the alternate exchange), and the event id as message id so
 * consumers and operators can deduplicate.
 */
export function eventPublishOptions(event: OutgoingEvent): Options.Publish {
  const headers: Record<string, string> = {
    [HEADERS.eventType]: event.type,
    [HEADERS.producer]: event.producer,
  };
  if (event.correlationId) headers[HEADERS.correlationId] = event.correlationId;
  return {
    persistent: true,
    mandatory: true,
    messageId: event.eventId,
    type: event.type,
    appId: event.producer,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
    headers,
  };
}

/** Reads a header that the backbone wrote as a number, tolerating what other clients send. */
export function numberHeader(headers: Record<string, unknown> | undefined, name: string): number {
  const value = headers?.[name];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return 0;
}

export function stringHeader(
  headers: Record<string, unknown> | undefined,
  name: string,
): string | undefined {
  const value = headers?.[name];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/**
 * Error text for a header: bounded, because a header table is limited to 64 KiB, and single-line.
 * Handlers must not put personal data into their error messages; this is the last place to
 * notice that it happened, not a filter.
 */
export function errorText(error: unknown, max = 1000): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
