import { connect, type Channel } from 'amqplib';

/**
 * Names and settings of the event topology. Every name is derived from two inputs (the events
 * exchange and the service's queue base) so a test can take a random exchange and service name
 * and be alone on a shared broker.
 */
export interface EventTopologyOptions {
  /** The durable topic exchange for domain events (InfrastructureConfig.eventsExchange). */
  eventsExchange: string;
}

export interface ServiceQueueOptions extends EventTopologyOptions {
  /** The consuming service, e.g. `customers`; the base of its queue names. */
  service: string;
  /** Prepended to the service's queue names; empty in a deployment, random in tests. */
  queuePrefix?: string;
  /** How long a failed message waits in the retry queue before it is tried again. */
  retryDelayMs: number;
}

export interface EventTopologyNames {
  eventsExchange: string;
  /** Fanout exchange the events exchange hands unroutable messages to. */
  unroutableExchange: string;
  /** Keeps every event no queue was bound for, so a missing binding loses nothing. */
  unroutableQueue: string;
}

export interface ServiceQueueNames {
  /** `<service>.events`: bound to the events exchange by the service's routing patterns. */
  main: string;
  /** `<service>.events.retry`: a waiting room whose TTL dead-letters back to the main queue. */
  retry: string;
  /** `<service>.events.dlq`: where a message ends after its last failed attempt. */
  dlq: string;
}

export function eventTopologyNames(eventsExchange: string): EventTopologyNames {
  return {
    eventsExchange,
    unroutableExchange: `${eventsExchange}.unroutable`,
    unroutableQueue: `${eventsExchange}.unroutable`,
  };
}

export function serviceQueueNames(service: string, queuePrefix = ''): ServiceQueueNames {
  const main = `${queuePrefix}${service}.events`;
  return { main, retry: `${main}.retry`, dlq: `${main}.dlq` };
}

/**
 * Declares the events exchange with its alternate exchange. Producers and consumers both call
 * it: declarations are idempotent, and whichever side starts first must find the exchange with
 * the same arguments (a mismatch is a channel error, which is what we want to hear about).
 */
export async function assertEventExchange(
  channel: Channel,
  eventsExchange: string,
): Promise<EventTopologyNames> {
  const names = eventTopologyNames(eventsExchange);
  await channel.assertExchange(names.unroutableExchange, 'fanout', { durable: true });
  await channel.assertQueue(names.unroutableQueue, { durable: true });
  await channel.bindQueue(names.unroutableQueue, names.unroutableExchange, '');
  await channel.assertExchange(names.eventsExchange, 'topic', {
    durable: true,
    alternateExchange: names.unroutableExchange,
  });
  return names;
}

/**
 * Declares a consuming service's queues and binds the main queue by the given patterns.
 *
 * - main: durable; a message rejected without requeue dead-letters into the DLQ, so even a nack
 *   never drops an event.
 * - retry: durable, no consumers; its per-queue TTL dead-letters each message back to the main
 *   queue through the default exchange, which is how a retry is delayed without a plugin.
 * - dlq: durable, kept until someone looks at it.
 */
export async function assertServiceQueues(
  channel: Channel,
  options: ServiceQueueOptions,
  patterns: readonly string[],
): Promise<ServiceQueueNames> {
  await assertEventExchange(channel, options.eventsExchange);
  const names = serviceQueueNames(options.service, options.queuePrefix);
  await channel.assertQueue(names.dlq, { durable: true });
  await channel.assertQueue(names.retry, {
    durable: true,
    arguments: {
      'x-message-ttl': options.retryDelayMs,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': names.main,
    },
  });
  await channel.assertQueue(names.main, {
    durable: true,
    arguments: {
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': names.dlq,
    },
  });
  for (const pattern of new Set(patterns)) {
    await channel.bindQueue(names.main, options.eventsExchange, pattern);
  }
  return names;
}

/**
 * True when an AMQP topic pattern matches a routing key: `*` is exactly one word, `#` zero or
 * more. The consumer uses it to pick a handler by the event type, never by the routing key the
 * message happens to carry (a retried message arrives with the retry queue's routing key).
 */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const p = pattern.split('.');
  const k = routingKey.split('.');
  const memo = new Map<string, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = `${i}:${j}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (i === p.length) result = j === k.length;
    else if (p[i] === '#') result = match(i + 1, j) || (j < k.length && match(i, j + 1));
    else result = j < k.length && (p[i] === '*' || p[i] === k[j]) && match(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/**
 * Deletes durable queues and exchanges by name: a test's or a benchmark's own, which would
 * otherwise stay on the broker for good (and every event nobody binds piles up in an unroutable
 * queue). A name nobody declared is skipped. Never for a deployment's names.
 */
export async function deleteBrokerObjects(
  amqpUrl: string,
  names: { queues: string[]; exchanges: string[] },
): Promise<void> {
  const connection = await connect(amqpUrl);
  try {
    // A channel each: deleting what was never declared closes its channel.
    const each = async (remove: (channel: Channel) => Promise<unknown>): Promise<void> => {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await remove(channel).catch(() => undefined);
      await channel.close().catch(() => undefined);
    };
    for (const queue of names.queues) await each((channel) => channel.deleteQueue(queue));
    for (const exchange of names.exchanges)
      await each((channel) => channel.deleteExchange(exchange));
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** The queues and exchanges of a system's services, named by its prefixes and exchange. */
export function systemBrokerNames(options: {
  services: string[];
  eventsExchange: string;
  eventsQueuePrefix: string;
  rpcQueues: string[];
}): { queues: string[]; exchanges: string[] } {
  const topology = eventTopologyNames(options.eventsExchange);
  return {
    queues: [
      ...options.services.flatMap((service): string[] => {
        const { main, retry, dlq } = serviceQueueNames(service, options.eventsQueuePrefix);
        return [main, retry, dlq];
      }),
      ...options.rpcQueues,
      topology.unroutableQueue,
    ],
    exchanges: [topology.eventsExchange, topology.unroutableExchange],
  };
}
