import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { DataSource, EntityManager } from 'typeorm';
import { isUuid, type EventEnvelope, type EventPayloads, type EventType } from '@kanta/contracts';
import { isConflictVictim } from '@kanta/database';
import type { BrokerConnection, ManagedChannel, MessagingLogger } from './broker-connection';
import {
  EventValidator,
  type EventValidationResult,
  type KnownEventEnvelope,
} from './event-validation';
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
  /** Whether a failure now dead-letters the event rather than retrying it. */
  lastAttempt: boolean;
}

export type EventHandler<E = KnownEventEnvelope> = (
  event: E,
  context: EventHandlerContext,
) => Promise<void>;

/**
 * Handles several events of a batch at once, in the batch's one transaction: set-based SQL
 * (arrays, multi-row inserts, one outbox insert) instead of a round of statements per event.
 * Events come in delivery order, each once (duplicates already skipped by the inbox); the
 * context's `attempt` is 1, except for a retried event, which is handled alone.
 */
export type BatchEventHandler<E = KnownEventEnvelope> = (
  events: E[],
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
  /**
   * Unacknowledged messages in flight at once: each in its own transaction, or in batch mode
   * (`batchSize` > 1) the ones being handled and the next batch arriving; default 10, in batch
   * mode 2 × `batchSize`.
   */
  prefetch?: number;
  /**
   * Batch mode when > 1: the messages already waiting, up to this many, are handled in one
   * transaction (one inbox insert, one commit, every ack after it); see `onBatch`. Default 1:
   * one message per transaction.
   */
  batchSize?: number;
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
  /**
   * `validator`: the envelope or payload broke its schema or rules, which every consumer of the
   * type checks alike; `handler`: a handler of this service refused it (InvalidEventError) for a
   * reason only it can see.
   */
  refusedBy: 'validator' | 'handler';
}

export type InvalidMessageListener = (message: InvalidMessage) => Promise<void>;

type Registration =
  | { pattern: string; batch: false; handler: EventHandler }
  | { pattern: string; batch: true; handler: BatchEventHandler };

type Outcome = 'processed' | 'duplicate' | 'no-handler';

interface Delivery {
  ch: ConfirmChannel;
  message: ConsumeMessage;
  /** The message's validation, when a batch has done it already. */
  validation?: EventValidationResult;
}

interface ValidDelivery extends Delivery {
  event: KnownEventEnvelope;
  handlers: Registration[];
}

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
 * (event_id, consumer, tenant) in the inbox and run the handlers (an event already in the inbox is
 * acked and skipped); ack only after the commit. A failed attempt is republished to the retry
 * queue with its attempt count and the original acked, so the main queue moves on at once: a
 * poison message never holds up the ones behind it. After `maxAttempts` it goes to the DLQ.
 *
 * Batch mode (`batchSize` > 1): the messages that are already waiting, up to `batchSize`, share
 * one transaction — one multi-row inbox insert (duplicates, also within the batch, skipped), the
 * handlers (a batch handler once with all its events, an `on` handler per event), one commit,
 * then every ack. If that transaction fails, each message of the batch is handled again on its
 * own as above, so a poison message goes through retry and DLQ alone and the others commit.
 * A retried message is always handled alone: it failed before and would likely sink a batch.
 */
export class EventConsumer {
  private readonly registrations: Registration[] = [];
  private invalidListener: InvalidMessageListener | undefined;
  private readonly validator: EventValidator;
  private readonly consumer: string;
  private readonly prefetch: number;
  private readonly batchSize: number;
  /** Batch mode: delivered messages not yet in a batch, and whether a batch is running. */
  private waiting: Delivery[] = [];
  private batchRunning = false;
  private flushScheduled = false;
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
    this.batchSize = Math.max(1, options.batchSize ?? 1);
    this.prefetch = options.prefetch ?? (this.batchSize > 1 ? 2 * this.batchSize : 10);
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
    return this.register({ pattern, batch: false, handler });
  }

  /**
   * Handles the events of one type in a batch at once (see `BatchEventHandler`). Without batch
   * mode, or for a message handled alone, the handler gets a batch of one.
   */
  onBatch<T extends EventType>(type: T, handler: BatchEventHandler<TypedEvent<T>>): this {
    // Sound: only envelopes whose `type` is T are put in its batches.
    return this.onBatchPattern(type, handler as BatchEventHandler);
  }

  /** Handles the events whose type matches a topic pattern in a batch at once. */
  onBatchPattern(pattern: string, handler: BatchEventHandler): this {
    return this.register({ pattern, batch: true, handler });
  }

  private register(registration: Registration): this {
    if (this.channel) throw new Error('Register event handlers before the consumer starts');
    this.registrations.push(registration);
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
    this.channel.on('closed', (ch: ConfirmChannel) => {
      this.consumerTags.delete(ch);
      // Unacked messages of a closed channel are back in the queue: not ours to handle any more.
      this.waiting = this.waiting.filter((d) => d.ch !== ch);
    });
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
    // Left unacked, as a message delivered during `stop` is: the close returns them to the queue.
    this.waiting = [];
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
        if (this.batchSize > 1) this.collect(ch, message);
        else void this.deliver(ch, message);
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
      await this.settle(ch, message);
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.idle?.();
    }
  }

  /**
   * Batch mode: messages delivered in one burst arrive in one turn of the event loop; the batch
   * starts on the next turn with whatever has arrived, and while it runs the next one gathers.
   */
  private collect(ch: ConfirmChannel, message: ConsumeMessage): void {
    if (this.stopping) return;
    this.waiting.push({ ch, message });
    this.scheduleBatch();
  }

  private scheduleBatch(): void {
    if (this.flushScheduled || this.batchRunning || this.waiting.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.batchRunning || this.stopping || this.waiting.length === 0) return;
      const batch = this.waiting.splice(0, this.batchSize);
      this.batchRunning = true;
      this.inFlight += batch.length;
      void this.processBatch(batch).finally(() => {
        this.batchRunning = false;
        this.inFlight -= batch.length;
        if (this.inFlight === 0) this.idle?.();
        this.scheduleBatch();
      });
    });
  }

  private async processBatch(batch: Delivery[]): Promise<void> {
    const together: ValidDelivery[] = [];
    const alone: Delivery[] = [];
    for (const delivery of batch) {
      const { message } = delivery;
      const validation = this.validator.validate(message.content);
      const headers = message.properties.headers;
      if (
        !validation.valid ||
        numberHeader(headers, HEADERS.attempts) > 0 ||
        stringHeader(headers, HEADERS.replayOf) !== undefined
      ) {
        // Invalid (dead-lettered at once), retried or replayed: the one-message path says how.
        alone.push({ ...delivery, validation });
        continue;
      }
      const handlers = this.handlersOf(validation.event.type);
      if (handlers.length === 0) {
        this.ackWithoutHandler(delivery.ch, message, validation.event);
        continue;
      }
      together.push({ ...delivery, validation, event: validation.event, handlers });
    }
    if (together.length === 1) alone.push(together[0]);
    else if (together.length > 1) {
      try {
        await this.handleBatchOnce(together);
        for (const { ch, message } of together) ack(ch, message);
      } catch (error) {
        this.options.logger.warn(
          { queue: this.names.main, events: together.length, err: errorText(error) },
          'event batch failed; handling its events one by one',
        );
        alone.push(...together);
      }
    }
    for (const { ch, message, validation } of alone) await this.settle(ch, message, validation);
  }

  /**
   * The batch, and once more whole when PostgreSQL picked it as a deadlock's victim: two replicas'
   * batches locking the same rows in another order is no fault of any event, and one by one
   * (the fallback for a failed batch) costs a transaction per event.
   */
  private async handleBatchOnce(batch: ValidDelivery[]): Promise<void> {
    try {
      await this.handleBatch(batch);
    } catch (error) {
      if (!isConflictVictim(error)) throw error;
      this.options.logger.warn(
        { queue: this.names.main, events: batch.length, err: errorText(error) },
        'event batch lost a deadlock; trying it again whole',
      );
      await this.handleBatch(batch);
    }
  }

  /** One transaction for the batch: inbox rows for all, then every handler; throws to roll back. */
  private async handleBatch(batch: ValidDelivery[]): Promise<void> {
    const { schema } = this.options;
    // Sorted, so two transactions inserting overlapping keys wait for each other, never deadlock.
    const byKey = new Map<string, ValidDelivery>();
    for (const delivery of batch) {
      const key = inboxKey(delivery.event.eventId, delivery.event.tenantId);
      if (!byKey.has(key)) byKey.set(key, delivery);
    }
    const keys = [...byKey.keys()].sort();
    const events = keys.map((key) => byKey.get(key)!.event);
    await this.options.dataSource.transaction(async (manager) => {
      // A duplicate, in this batch or committed or in flight elsewhere, returns no row (an
      // uncommitted one is waited for first), so each event's handlers run once.
      const inserted = await manager.query<{ event_id: string; tenant_id: string | null }[]>(
        `INSERT INTO "${schema}".inbox (tenant_id, event_id, consumer, event_type)
         SELECT e.tenant, e.id, $3, e.type
           FROM unnest($1::uuid[], $2::uuid[], $4::text[]) WITH ORDINALITY AS e(tenant, id, type, n)
          WHERE NOT EXISTS (${RECORDED_FOR_ANY_TENANT(schema, 'e.id', '$3')})
          ORDER BY e.n
         ON CONFLICT (event_id, consumer, tenant_id) DO NOTHING RETURNING event_id, tenant_id`,
        [
          events.map((e) => e.tenantId),
          events.map((e) => e.eventId),
          this.consumer,
          events.map((e) => e.type),
        ],
      );
      const fresh = new Set(inserted.map((row) => inboxKey(row.event_id, row.tenant_id)));
      const deliveries = [...byKey.values()].filter((d) =>
        fresh.has(inboxKey(d.event.eventId, d.event.tenantId)),
      );
      const context = { manager, attempt: 1, lastAttempt: this.maxAttempts <= 1 };
      for (const registration of this.registrations) {
        const mine = deliveries
          .filter((d) => d.handlers.includes(registration))
          .map((d) => d.event);
        if (mine.length === 0) continue;
        if (registration.batch) await registration.handler(mine, context);
        else for (const event of mine) await registration.handler(event, context);
      }
    });
  }

  private handlersOf(type: string): Registration[] {
    return this.registrations.filter((r) => topicMatches(r.pattern, type));
  }

  /** Handles one message alone and settles it; never throws. */
  private async settle(
    ch: ConfirmChannel,
    message: ConsumeMessage,
    validation?: EventValidationResult,
  ): Promise<void> {
    try {
      await this.process(ch, message, validation);
    } catch (error) {
      // Only reached when even the retry/DLQ publish failed; the message stays unacked and
      // comes back when this channel closes.
      this.options.logger.error(
        { queue: this.names.main, messageId: messageIdOf(message), err: errorText(error) },
        'event could not be settled',
      );
    }
  }

  private async process(
    ch: ConfirmChannel,
    message: ConsumeMessage,
    validated?: EventValidationResult,
  ): Promise<void> {
    const headers = message.properties.headers;
    const failedBefore = numberHeader(headers, HEADERS.attempts);
    const routingKey =
      stringHeader(headers, HEADERS.originalRoutingKey) ?? message.fields.routingKey;
    const validation = validated ?? this.validator.validate(message.content);
    if (!validation.valid) {
      await this.refuse(ch, message, validation.reason, 'validator', failedBefore, routingKey);
      return;
    }
    const event = validation.event;
    let outcome: Outcome;
    try {
      outcome = await this.handle(event, failedBefore + 1, stringHeader(headers, HEADERS.replayOf));
    } catch (error) {
      if (error instanceof InvalidEventError) {
        await this.refuse(ch, message, error.message, 'handler', failedBefore, routingKey);
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
    if (outcome === 'no-handler') this.ackWithoutHandler(ch, message, event);
    else ack(ch, message);
  }

  private ackWithoutHandler(
    ch: ConfirmChannel,
    message: ConsumeMessage,
    event: Pick<KnownEventEnvelope, 'eventId' | 'type'>,
  ): void {
    this.options.logger.warn(
      { eventId: event.eventId, type: event.type, queue: this.names.main },
      'no handler for event type; acked',
    );
    ack(ch, message);
  }

  /** An invalid message: the listener is told, then it goes to the DLQ at once. */
  private async refuse(
    ch: ConfirmChannel,
    message: ConsumeMessage,
    reason: string,
    refusedBy: InvalidMessage['refusedBy'],
    failedBefore: number,
    routingKey: string,
  ): Promise<void> {
    await this.invalidListener?.({
      content: message.content,
      routingKey,
      reason,
      messageId: messageIdOf(message),
      refusedBy,
    }).catch((error: unknown) =>
      this.options.logger.error(
        { queue: this.names.main, err: errorText(error) },
        'invalid-message listener failed',
      ),
    );
    await this.deadLetter(ch, message, 'invalid-message', reason, failedBefore, routingKey);
  }

  /** `replayOf`: the dead letter this message was replayed from, deleted once it is handled. */
  private async handle(
    event: KnownEventEnvelope,
    attempt: number,
    replayOf: string | undefined,
  ): Promise<Outcome> {
    const handlers = this.handlersOf(event.type);
    if (handlers.length === 0) return 'no-handler';
    const { schema } = this.options;
    return this.options.dataSource.transaction(async (manager) => {
      if (replayOf !== undefined && isUuid(replayOf)) {
        // In the transaction: the dead letter goes if and only if the event has had its effect.
        await manager.query(`DELETE FROM "${schema}".dead_letters WHERE id = $1`, [replayOf]);
      }
      // A concurrent duplicate blocks here on the first one's uncommitted row and then sees
      // the conflict, so two deliveries of one event never both run the handler.
      const inserted = await manager.query<unknown[]>(
        `INSERT INTO "${schema}".inbox (tenant_id, event_id, consumer, event_type)
         SELECT $1, $2, $3, $4 WHERE NOT EXISTS (${RECORDED_FOR_ANY_TENANT(schema, '$2', '$3')})
         ON CONFLICT (event_id, consumer, tenant_id) DO NOTHING RETURNING 1`,
        [event.tenantId, event.eventId, this.consumer, event.type],
      );
      if (inserted.length === 0) return 'duplicate';
      const context = { manager, attempt, lastAttempt: attempt >= this.maxAttempts };
      for (const registration of handlers) {
        if (registration.batch) await registration.handler([event], context);
        else await registration.handler(event, context);
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

/**
 * An inbox row recorded before the inbox kept tenants (`any_tenant`): it stands for its event id
 * in every tenant, so an event handled before the migration is still skipped when it comes again.
 */
const RECORDED_FOR_ANY_TENANT = (schema: string, eventId: string, consumer: string): string =>
  `SELECT 1 FROM "${schema}".inbox o
    WHERE o.event_id = ${eventId} AND o.consumer = ${consumer} AND o.any_tenant`;

/** The inbox's key of an event: its id within its tenant (or within no tenant). */
function inboxKey(eventId: string, tenantId: string | null): string {
  return `${eventId.toLowerCase()}/${tenantId?.toLowerCase() ?? ''}`;
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
