import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventEnvelope, EventPayloads, EventType } from '@kanta/contracts';
import type { BrokerConnection, ManagedChannel, MessagingLogger } from './broker-connection';
import { EventValidator, type KnownEventEnvelope } from './event-validation';
import { HEADERS, errorText, numberHeader, stringHeader, type DeadReason } from './message-format';
import {
  assertServiceQueues,
  serviceQueueNames,
  topicMatches,
  type ServiceQueueNames,
} from './topology';

export interface EventHandlerContext {
  /** The transaction the inbox row was written in: write the handler's effect with it. */
  manager: EntityManager;
  /** 1 on the first delivery, 2 on the first retry, … */
  attempt: number;
}

export type EventHandler<E = KnownEventEnvelope> = (
  event: E,
  context: EventHandlerContext,
) => Promise<void>;

export type TypedEvent<T extends EventType> = EventEnvelope<EventPayloads[T], T>;

export interface EventConsumerOptions {
  dataSource: DataSource;
  broker: BrokerConnection;
  /** The consuming service's schema, whose `inbox` table records processed events. */
  schema: string;
  /** The consuming service; names its queues (`<service>.events`, …). */
  service: string;
  /** Recorded in the inbox and the DLQ headers; defaults to `service`. */
  consumer?: string;
  eventsExchange: string;
  queuePrefix?: string;
  /** Unacknowledged messages in flight at once (each in its own transaction). */
  prefetch?: number;
  /** Handler runs before a message is dead-lettered (1 = no retry). */
  maxAttempts?: number;
  /** The retry queue's TTL: how long a failed message waits before its next attempt. */
  retryDelayMs?: number;
  /** How long `stop` waits for handlers in flight before closing anyway. */
  stopTimeoutMs?: number;
  logger: MessagingLogger;
  validator?: EventValidator;
}

/** What a listener learns about a message that failed validation. */
export interface InvalidMessage {
  content: Buffer;
  routingKey: string;
  reason: string;
  messageId: string | undefined;
}

export type InvalidMessageListener = (message: InvalidMessage) => Promise<void>;

interface Registration {
  pattern: string;
  handler: EventHandler;
}

type Outcome = 'processed' | 'duplicate' | 'no-handler';

/**
 * A handler's verdict that the event itself is wrong in a way only the handler can see (it names
 * a record of the tenant that does not exist, say): the transaction rolls back and the message
 * goes to the DLQ at once with the reason, as one that fails validation does. Retrying cannot
 * fix it.
 */
export class InvalidEventError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidEventError';
  }
}

/**
 * Consumes a service's event queue with manual acks. Per message: validate against the
 * contracts (invalid → DLQ at once, retrying cannot fix it); in one transaction record
 * (event_id, consumer) in the inbox and run the handlers (an event already in the inbox is
 * acked and skipped); ack only after the commit. A failed attempt is republished to the retry
 * queue with its attempt count and the original acked, so the main queue moves on at once: a
 * poison message never holds up the ones behind it. After `maxAttempts` it goes to the DLQ.
 */
export class EventConsumer {
  private readonly registrations: Registration[] = [];
  private invalidListener: InvalidMessageListener | undefined;
  private readonly validator: EventValidator;
  private readonly consumer: string;
  private readonly prefetch: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly names: ServiceQueueNames;
  private channel: ManagedChannel | undefined;
  private readonly consumerTags = new Map<ConfirmChannel, string>();
  private inFlight = 0;
  private idle: (() => void) | undefined;
  private stopping = false;

  constructor(private readonly options: EventConsumerOptions) {
    this.validator = options.validator ?? new EventValidator();
    this.consumer = options.consumer ?? options.service;
    this.prefetch = options.prefetch ?? 10;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 5000;
    this.names = serviceQueueNames(options.service, options.queuePrefix);
  }

  get queues(): ServiceQueueNames {
    return this.names;
  }

  get patterns(): string[] {
    return [...new Set(this.registrations.map((r) => r.pattern))];
  }

  get started(): boolean {
    return this.channel !== undefined;
  }

  /** Handles one event type, with its payload typed from the contracts. */
  on<T extends EventType>(type: T, handler: EventHandler<TypedEvent<T>>): this {
    // Sound: dispatch calls it only for envelopes whose `type` is T.
    return this.onPattern(type, handler as EventHandler);
  }

  /** Handles every event whose type matches a topic pattern (`customers.customer.*`, `#`). */
  onPattern(pattern: string, handler: EventHandler): this {
    if (this.channel) throw new Error('Register event handlers before the consumer starts');
    this.registrations.push({ pattern, handler });
    return this;
  }

  /**
   * Told of each message refused as invalid, before it goes to the DLQ (e.g. to keep a record
   * admins can list). A failing listener is logged and does not stop the dead-lettering.
   */
  onInvalid(listener: InvalidMessageListener): this {
    this.invalidListener = listener;
    return this;
  }

  /**
   * Declares the queues, binds them by the registered patterns and starts consuming; again on
   * every reconnect. Resolves once consuming, or after `timeoutMs` if the broker is away (it
   * then starts as soon as the broker is back).
   */
  async start(timeoutMs = 10_000): Promise<void> {
    if (this.channel) return;
    if (this.registrations.length === 0) throw new Error('No event handlers registered');
    this.stopping = false;
    this.channel = this.options.broker.openChannel(`consumer:${this.names.main}`, (ch) =>
      this.setup(ch),
    );
    this.channel.on('closed', (ch: ConfirmChannel) => this.consumerTags.delete(ch));
    try {
      await this.channel.ready(timeoutMs);
    } catch (error) {
      this.options.logger.warn(
        { queue: this.names.main, err: errorText(error) },
        'event consumer waits for the broker',
      );
    }
  }

  /** Stops taking messages, lets the ones in flight finish and ack, then closes the channel. */
  async stop(): Promise<void> {
    const managed = this.channel;
    if (!managed) return;
    this.stopping = true;
    for (const [ch, tag] of this.consumerTags) {
      await ch.cancel(tag).catch(() => undefined);
    }
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.stopTimeoutMs ?? 30_000);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.idle = undefined;
    // Messages delivered but never started are unacked: closing hands them back to the queue.
    await managed.close();
    this.channel = undefined;
    this.consumerTags.clear();
  }

  private async setup(ch: ConfirmChannel): Promise<void> {
    await ch.prefetch(this.prefetch);
    await assertServiceQueues(
      ch,
      {
        eventsExchange: this.options.eventsExchange,
        service: this.options.service,
        queuePrefix: this.options.queuePrefix,
        retryDelayMs: this.retryDelayMs,
      },
      this.patterns,
    );
    const { consumerTag } = await ch.consume(
      this.names.main,
      (message) => {
        if (message === null) {
          // The broker cancelled us (queue deleted or failed over): a fresh channel re-declares.
          this.options.logger.warn({ queue: this.names.main }, 'consumer cancelled by broker');
          void ch.close().catch(() => undefined);
          return;
        }
        void this.deliver(ch, message);
      },
      { noAck: false },
    );
    this.consumerTags.set(ch, consumerTag);
  }

  private async deliver(ch: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    // Left unacked: the channel's close returns it to the queue for the next consumer.
    if (this.stopping) return;
    this.inFlight += 1;
    try {
      await this.process(ch, message);
    } catch (error) {
      // Only reached when even the retry/DLQ publish failed; the message stays unacked and
      // comes back when this channel closes.
      this.options.logger.error(
        { queue: this.names.main, messageId: messageIdOf(message), err: errorText(error) },
        'event could not be settled',
      );
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.idle?.();
    }
  }

  private async process(ch: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    const headers = message.properties.headers;
    const failedBefore = numberHeader(headers, HEADERS.attempts);
    const routingKey =
      stringHeader(headers, HEADERS.originalRoutingKey) ?? message.fields.routingKey;
    const validation = this.validator.validate(message.content);
    if (!validation.valid) {
      await this.refuse(ch, message, validation.reason, failedBefore, routingKey);
      return;
    }
    const event = validation.event;
    let outcome: Outcome;
    try {
      outcome = await this.handle(event, failedBefore + 1);
    } catch (error) {
      if (error instanceof InvalidEventError) {
        await this.refuse(ch, message, error.message, failedBefore, routingKey);
        return;
      }
      const attempts = failedBefore + 1;
      const reason = errorText(error);
      if (attempts >= this.maxAttempts) {
        await this.deadLetter(ch, message, 'handler-failed', reason, attempts, routingKey);
      } else {
        await this.retry(ch, message, reason, attempts, routingKey);
      }
      this.options.logger.warn(
        { eventId: event.eventId, type: event.type, attempts, err: reason },
        attempts >= this.maxAttempts ? 'event dead-lettered' : 'event handler failed; retrying',
      );
      return;
    }
    if (outcome === 'no-handler') {
      this.options.logger.warn(
        { eventId: event.eventId, type: event.type, queue: this.names.main },
        'no handler for event type; acked',
      );
    }
    ack(ch, message);
  }

  /** An invalid message: the listener is told, then it goes to the DLQ at once. */
  private async refuse(
    ch: ConfirmChannel,
    message: ConsumeMessage,
    reason: string,
    failedBefore: number,
    routingKey: string,
  ): Promise<void> {
    await this.invalidListener?.({
      content: message.content,
      routingKey,
      reason,
      messageId: messageIdOf(message),
    }).catch((error: unknown) =>
      this.options.logger.error(
        { queue: this.names.main, err: errorText(error) },
        'invalid-message listener failed',
      ),
    );
    await this.deadLetter(ch, message, 'invalid-message', reason, failedBefore, routingKey);
  }

  private async handle(event: KnownEventEnvelope, attempt: number): Promise<Outcome> {
    const handlers = this.registrations.filter((r) => topicMatches(r.pattern, event.type));
    if (handlers.length === 0) return 'no-handler';
    const { schema } = this.options;
    return this.options.dataSource.transaction(async (manager) => {
      // A concurrent duplicate blocks here on the first one's uncommitted row and then sees
      // the conflict, so two deliveries of one event never both run the handler.
      const inserted = await manager.query<unknown[]>(
        `INSERT INTO "${schema}".inbox (event_id, consumer, event_type) VALUES ($1, $2, $3)
         ON CONFLICT (event_id, consumer) DO NOTHING RETURNING 1`,
        [event.eventId, this.consumer, event.type],
      );
      if (inserted.length === 0) return 'duplicate';
      for (const { handler } of handlers) {
        await handler(event, { manager, attempt });
      }
      return 'processed';
    });
  }

  private async retry(
    ch: ConfirmChannel,
    message: ConsumeMessage,
    reason: string,
    attempts: number,
    routingKey: string,
  ): Promise<void> {
    await publishConfirmed(ch, this.names.retry, message, {
      [HEADERS.attempts]: attempts,
      [HEADERS.originalRoutingKey]: routingKey,
      [HEADERS.lastError]: reason,
    });
    ack(ch, message);
  }

  private async deadLetter(
    ch: ConfirmChannel,
    message: ConsumeMessage,
    deadReason: DeadReason,
    reason: string,
    attempts: number,
    routingKey: string,
  ): Promise<void> {
    await publishConfirmed(ch, this.names.dlq, message, {
      [HEADERS.deadReason]: deadReason,
      [HEADERS.lastError]: reason,
      [HEADERS.attempts]: attempts,
      [HEADERS.originalRoutingKey]: routingKey,
      [HEADERS.consumer]: this.consumer,
      [HEADERS.deadAt]: new Date().toISOString(),
    });
    ack(ch, message);
    if (deadReason === 'invalid-message') {
      this.options.logger.warn(
        { queue: this.names.dlq, messageId: messageIdOf(message), reason },
        'invalid event dead-lettered',
      );
    }
  }
}

/**
 * Sends a copy of the message straight to a queue (default exchange) and waits for the broker's
 * confirm, so the original is acked only once the copy is safe.
 */
function publishConfirmed(
  ch: ConfirmChannel,
  queue: string,
  message: ConsumeMessage,
  extraHeaders: Record<string, string | number>,
): Promise<void> {
  const p = message.properties;
  const headers: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(p.headers ?? {})) {
    // RabbitMQ's dead-letter bookkeeping from the retry queue; our own headers say it better.
    if (key === 'x-death' || key.startsWith('x-first-death') || key.startsWith('x-last-death')) {
      continue;
    }
    headers[key] = value;
  }
  Object.assign(headers, extraHeaders);
  const options: Options.Publish = {
    persistent: true,
    headers,
    ...(p.messageId ? { messageId: String(p.messageId) } : {}),
    ...(p.type ? { type: String(p.type) } : {}),
    ...(p.appId ? { appId: String(p.appId) } : {}),
    ...(p.correlationId ? { correlationId: String(p.correlationId) } : {}),
    ...(p.contentType ? { contentType: String(p.contentType) } : {}),
    ...(p.contentEncoding ? { contentEncoding: String(p.contentEncoding) } : {}),
  };
  return new Promise((resolve, reject) => {
    try {
      ch.sendToQueue(queue, message.content, options, (err) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
      );
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

function ack(ch: ConfirmChannel, message: ConsumeMessage): void {
  try {
    ch.ack(message);
  } catch {
    // The channel closed after the commit: the message is redelivered and the inbox skips it.
  }
}

function messageIdOf(message: ConsumeMessage): string | undefined {
  return message.properties.messageId ? String(message.properties.messageId) : undefined;
}
