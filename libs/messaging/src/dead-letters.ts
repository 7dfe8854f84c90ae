import { Controller, type Type } from '@nestjs/common';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { DataSource, EntityManager } from 'typeorm';
import {
  DEAD_LETTER_OPERATIONS,
  EVENT_PAYLOAD_SCHEMAS,
  problemType,
  redactedPartnerPayload,
  type CallerContext,
  type DeadLetterDetail,
  type DeadLetterId,
  type DeadLetterPurged,
  type DeadLetterQueryDto,
  type DeadLetterPage,
  type DeadLetterReason,
  type DeadLetterView,
  type RpcService,
  isUuid,
} from '@kanta/contracts';
import { Handles, RpcProblem, uuidv7, type WriteCommand } from '@kanta/platform';
import { CommandLog } from './command-log';
import type { BrokerConnection, ManagedChannel, MessagingLogger } from './broker-connection';
import { HEADERS, errorText, numberHeader, stringHeader } from './message-format';
import { assertEventExchange, serviceQueueNames } from './topology';

export interface DeadLettersOptions {
  dataSource: DataSource;
  broker: BrokerConnection;
  /** The service's schema, holding `dead_letters`. */
  schema: string;
  /** The service keeping them (DEAD_LETTER_SERVICES), which names its queues. */
  service: string;
  eventsExchange: string;
  queuePrefix?: string;
  logger: MessagingLogger;
  /** Drain the service's own DLQ queue into the table (a service that consumes events). */
  keepDlq: boolean | (() => boolean);
  /** Drain the events exchange's unroutable queue into the table (the gateway). */
  keepUnroutable: boolean;
  /** How long a message waits before it is offered again when the table cannot take it. */
  retryMs?: number;
}

/** What is kept of a dead message; `insertDeadLetter` writes it. */
export interface DeadLetterRecord {
  tenantId: string | null;
  consumer: string;
  reason: DeadLetterReason;
  eventId: string | null;
  eventType: string | null;
  routingKey: string;
  lastError: string;
  attempts: number;
  body: Buffer;
  properties: StoredProperties;
}

/** The message properties a replay publishes again. */
interface StoredProperties {
  messageId?: string;
  correlationId?: string;
  appId?: string;
  type?: string;
  contentType?: string;
  contentEncoding?: string;
  headers?: Record<string, string | number | boolean>;
}

interface DeadLetterRow {
  id: string;
  tenant_id: string | null;
  consumer: string;
  reason: DeadLetterReason;
  event_id: string | null;
  event_type: string | null;
  routing_key: string;
  last_error: string;
  attempts: number;
  body?: Buffer;
  properties?: StoredProperties;
  dead_at: Date;
  replayed_at: Date | null;
  replays: number;
}

const LIST_COLUMNS = `id, tenant_id, consumer, reason, event_id, event_type, routing_key,
  last_error, attempts, dead_at, replayed_at, replays`;

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DEFAULT_PAGE_SIZE = 50;

/** Headers of a dead copy that a replay leaves behind: it starts afresh. */
const DEAD_HEADERS: ReadonlySet<string> = new Set([
  HEADERS.attempts,
  HEADERS.lastError,
  HEADERS.deadReason,
  HEADERS.consumer,
  HEADERS.deadAt,
  HEADERS.replayOf,
]);

/**
 * Writes a dead letter, or updates the one this consumer kept of the same event of the tenant
 * (given up again, after a replay or as a second copy): one row per consumer and event.
 */
export async function insertDeadLetter(
  runner: DataSource | EntityManager,
  schema: string,
  record: DeadLetterRecord,
): Promise<void> {
  await runner.query(
    `INSERT INTO "${schema}".dead_letters (id, tenant_id, consumer, reason, event_id, event_type,
       routing_key, last_error, attempts, body, properties)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (consumer, event_id, tenant_id) WHERE event_id IS NOT NULL DO UPDATE SET
       reason = EXCLUDED.reason, event_type = EXCLUDED.event_type,
       routing_key = EXCLUDED.routing_key, last_error = EXCLUDED.last_error,
       attempts = EXCLUDED.attempts, body = EXCLUDED.body, properties = EXCLUDED.properties,
       dead_at = date_trunc('milliseconds', now())`,
    [
      uuidv7(),
      record.tenantId,
      record.consumer,
      record.reason,
      record.eventId,
      record.eventType,
      record.routingKey,
      record.lastError,
      record.attempts,
      record.body,
      JSON.stringify(record.properties),
    ],
  );
}

/**
 * The dead letters of one service: kept from its DLQ queue (and, in the gateway, from the
 * unroutable queue) into `<schema>.dead_letters`, where the queue is only the buffer in front of
 * the table: a message waits there while the database cannot take it. Listed, shown, replayed
 * and purged for the tenant's admins (their tenant's only) and the superadmin (every tenant's,
 * without the payload's personal fields).
 *
 * A replay puts the message back where it failed, as a fresh start (no attempt count): a
 * consumer's dead letter into that consumer's own queue (not to every consumer of the type),
 * marked replayed until the consumer has handled it, which deletes the row in its transaction
 * (a second replay meanwhile is skipped by its inbox); an unroutable one to the events exchange
 * and an unpublishable one back into the outbox, both deleted at once (they come back if they
 * fail again).
 */
export class DeadLetters {
  private channel: ManagedChannel | undefined;
  private readonly consumerTags = new Map<ConfirmChannel, string[]>();

  constructor(private readonly options: DeadLettersOptions) {}

  private get table(): string {
    return `"${this.options.schema}".dead_letters`;
  }

  start(): void {
    if (this.channel) return;
    this.channel = this.options.broker.openChannel(`dead-letters:${this.options.service}`, (ch) =>
      this.setup(ch),
    );
    this.channel.on('closed', (ch: ConfirmChannel) => this.consumerTags.delete(ch));
  }

  /** Resolves once its queues are declared and drained (for tests and start-up checks). */
  async ready(timeoutMs = 10_000): Promise<void> {
    await this.channel?.ready(timeoutMs);
  }

  async stop(): Promise<void> {
    const channel = this.channel;
    if (!channel) return;
    this.channel = undefined;
    for (const [ch, tags] of this.consumerTags) {
      for (const tag of tags) await ch.cancel(tag).catch(() => undefined);
    }
    this.consumerTags.clear();
    await channel.close();
  }

  private async setup(ch: ConfirmChannel): Promise<void> {
    const { keepDlq, keepUnroutable } = this.options;
    await ch.prefetch(10);
    const tags: string[] = [];
    if (typeof keepDlq === 'function' ? keepDlq() : keepDlq) {
      const { dlq } = serviceQueueNames(this.options.service, this.options.queuePrefix);
      await ch.assertQueue(dlq, { durable: true });
      tags.push((await ch.consume(dlq, (m) => m && void this.keep(ch, m, 'dlq'))).consumerTag);
    }
    if (keepUnroutable) {
      const { unroutableQueue } = await assertEventExchange(ch, this.options.eventsExchange);
      tags.push(
        (
          await ch.consume(unroutableQueue, (m) => {
            if (!m) return;
            // An event of a known type that no service consumes (yet) is no one's failure:
            // published durably and simply not needed. Only what no consumer can know (a
            // version or type outside the catalogue) is kept for an admin to see.
            if (Object.hasOwn(EVENT_PAYLOAD_SCHEMAS, m.fields.routingKey)) ch.ack(m);
            else void this.keep(ch, m, 'unroutable');
          })
        ).consumerTag,
      );
    }
    this.consumerTags.set(ch, tags);
  }

  /** Moves one message from its queue into the table; acked only once the row is committed. */
  private async keep(
    ch: ConfirmChannel,
    message: ConsumeMessage,
    source: 'dlq' | 'unroutable',
  ): Promise<void> {
    try {
      await insertDeadLetter(
        this.options.dataSource,
        this.options.schema,
        recordOf(message, source, this.options.service),
      );
      ch.ack(message);
    } catch (error) {
      this.options.logger.error(
        { service: this.options.service, source, err: errorText(error) },
        'dead letter not kept; it waits in its queue',
      );
      // Offered again later: at once would spin against a database that is away.
      setTimeout(() => {
        try {
          ch.nack(message, false, true);
        } catch {
          // The channel is gone: the broker has put the message back already.
        }
      }, this.options.retryMs ?? 5000).unref();
    }
  }

  async list(context: CallerContext, query: DeadLetterQueryDto): Promise<DeadLetterPage> {
    const tenantId = this.tenantScope(context, query.tenantId);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor === undefined ? null : decodeDeadLetterCursor(query.cursor);
    if (after === undefined) {
      throw RpcProblem.validation([
        { field: 'cursor', reason: 'invalid_format', message: 'cursor is not one this API issued' },
      ]);
    }
    const range = deadLetterRange(query);
    if (range === undefined) {
      throw RpcProblem.validation([
        { field: 'to', reason: 'before_from', message: 'to must not be before from' },
      ]);
    }
    const rows = await this.options.dataSource.query<DeadLetterRow[]>(
      `SELECT ${LIST_COLUMNS} FROM ${this.table}
        WHERE ($1::uuid IS NULL OR tenant_id = $1)
          AND ($2::text IS NULL OR event_type = $2)
          AND ($3::text IS NULL OR reason = $3)
          AND ($4::timestamptz IS NULL OR dead_at >= $4)
          AND ($5::timestamptz IS NULL OR dead_at < $5)
          AND ($6::timestamptz IS NULL OR (dead_at, id) < ($6, $7::uuid))
        ORDER BY dead_at DESC, id DESC
        LIMIT $8`,
      [
        tenantId,
        query.type ?? null,
        query.reason ?? null,
        range.from,
        range.before,
        after?.at ?? null,
        after?.id ?? null,
        limit + 1,
      ],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => this.view(row)),
      nextCursor: rows.length > limit && last ? deadLetterCursor(this.view(last)) : null,
    };
  }

  async get(context: CallerContext, id: string): Promise<DeadLetterDetail> {
    const row = await this.find(this.options.dataSource, context, id, false);
    return this.detail(row, context.role === 'superadmin');
  }

  /**
   * Replays a dead letter; `done`, when given, runs in the same transaction with its answer (a
   * command log records the replay there).
   */
  async replay(
    context: CallerContext,
    id: string,
    done?: (manager: EntityManager, answer: DeadLetterView) => Promise<void>,
  ): Promise<DeadLetterView> {
    return this.options.dataSource.transaction(async (manager) => {
      const row = await this.find(manager, context, id, true);
      if (row.reason === 'unpublishable') {
        await manager.query(
          `INSERT INTO "${this.options.schema}".outbox (event_id, type, tenant_id, envelope)
           VALUES ($1, $2, $3, convert_from($4, 'UTF8')::jsonb) ON CONFLICT (event_id) DO NOTHING`,
          [row.event_id, row.event_type, row.tenant_id, row.body],
        );
        await manager.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
      } else if (row.reason === 'unroutable') {
        await this.publish(row, {
          exchange: this.options.eventsExchange,
          routingKey: row.routing_key,
        });
        await manager.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
      } else {
        const { main } = serviceQueueNames(this.options.service, this.options.queuePrefix);
        await this.publish(row, { exchange: '', routingKey: main });
        await manager.query(
          `UPDATE ${this.table} SET replayed_at = date_trunc('milliseconds', now()),
             replays = replays + 1 WHERE id = $1`,
          [id],
        );
      }
      const answer = this.view({ ...row, replayed_at: new Date(), replays: row.replays + 1 });
      await done?.(manager, answer);
      return answer;
    });
  }

  /** Deletes a dead letter; `done`, when given, runs in the same transaction. */
  async purge(
    context: CallerContext,
    id: string,
    done?: (manager: EntityManager) => Promise<void>,
  ): Promise<void> {
    await this.options.dataSource.transaction(async (manager) => {
      await this.find(manager, context, id, true);
      await manager.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
      await done?.(manager);
    });
  }

  /** The row, if the caller may see it; another tenant's is not found, as a missing one. */
  private async find(
    runner: DataSource | EntityManager,
    context: CallerContext,
    id: string,
    forUpdate: boolean,
  ): Promise<DeadLetterRow> {
    const tenantId = this.tenantScope(context);
    const rows = isUuid(id)
      ? await runner.query<DeadLetterRow[]>(
          `SELECT ${LIST_COLUMNS}, body, properties FROM ${this.table}
            WHERE id = $1 AND ($2::uuid IS NULL OR tenant_id = $2) ${forUpdate ? 'FOR UPDATE' : ''}`,
          [id, tenantId],
        )
      : [];
    if (!rows[0]) throw RpcProblem.notFound('Dead letter');
    return rows[0];
  }

  /**
   * The tenant whose dead letters the caller sees (null: every tenant's, for the superadmin).
   * Workers see none: a dead letter may hold personal data of any customer of the tenant.
   */
  private tenantScope(context: CallerContext, asked?: string): string | null {
    if (context.role === 'superadmin') return asked ?? null;
    if (context.role !== 'admin' || !context.tenant) {
      throw RpcProblem.forbidden('Dead letters are for admins.');
    }
    if (asked !== undefined && asked !== context.tenant.id) {
      throw RpcProblem.forbidden("Another tenant's dead letters are not yours to see.");
    }
    return context.tenant.id;
  }

  /** Publishes a dead letter's message again, confirmed, as a fresh start. */
  private async publish(
    row: DeadLetterRow,
    to: { exchange: string; routingKey: string },
  ): Promise<void> {
    const channel = await this.channel?.ready(5000).catch(() => undefined);
    if (!channel) {
      throw new RpcProblem({
        type: problemType('service-unavailable'),
        title: 'Service unavailable',
        status: 503,
        detail: 'The broker is not reachable; replay again shortly.',
      });
    }
    const stored = row.properties ?? {};
    const headers: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(stored.headers ?? {})) {
      if (!DEAD_HEADERS.has(key)) headers[key] = value;
    }
    headers[HEADERS.originalRoutingKey] = row.routing_key;
    if (to.exchange === '') headers[HEADERS.replayOf] = row.id;
    const options: Options.Publish = {
      persistent: true,
      headers,
      ...(stored.messageId ? { messageId: stored.messageId } : {}),
      ...(stored.correlationId ? { correlationId: stored.correlationId } : {}),
      ...(stored.appId ? { appId: stored.appId } : {}),
      ...(stored.type ? { type: stored.type } : {}),
      ...(stored.contentType ? { contentType: stored.contentType } : {}),
      ...(stored.contentEncoding ? { contentEncoding: stored.contentEncoding } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      try {
        channel.publish(to.exchange, to.routingKey, row.body ?? Buffer.alloc(0), options, (err) =>
          err ? reject(new Error(errorText(err))) : resolve(),
        );
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  private view(row: DeadLetterRow): DeadLetterView {
    return {
      id: row.id,
      service: this.options.service,
      consumer: row.consumer,
      reason: row.reason,
      lastError: row.last_error,
      attempts: row.attempts,
      tenantId: row.tenant_id,
      eventId: row.event_id,
      type: row.event_type,
      routingKey: row.routing_key,
      deadAt: new Date(row.dead_at).toISOString(),
      replayedAt: row.replayed_at ? new Date(row.replayed_at).toISOString() : null,
      replays: row.replays,
    };
  }

  /** The superadmin acts on no customer: the envelope without its personal fields, no body. */
  private detail(row: DeadLetterRow, redacted: boolean): DeadLetterDetail {
    const envelope = looseEnvelope(row.body ?? Buffer.alloc(0));
    if (redacted) {
      return {
        ...this.view(row),
        envelope: envelope && { ...envelope, payload: redactedPartnerPayload(envelope.payload) },
        body: null,
      };
    }
    return {
      ...this.view(row),
      envelope,
      body: envelope ? null : (row.body ?? Buffer.alloc(0)).toString('utf8'),
    };
  }
}

/**
 * The service's dead-letter operations (DEAD_LETTER_OPERATIONS), as a controller class for its
 * module (DeadLetters and CommandLog come from MessagingModule). A replay or a purge delivered
 * again answers what the first did.
 */
export function deadLettersController(service: RpcService): Type {
  const operations = DEAD_LETTER_OPERATIONS[service];

  @Controller()
  class DeadLettersController {
    constructor(
      private readonly deadLetters: DeadLetters,
      private readonly commands: CommandLog,
    ) {}

    @Handles(operations.list)
    list(caller: CallerContext, data: DeadLetterQueryDto): Promise<DeadLetterPage> {
      return this.deadLetters.list(caller, data);
    }

    @Handles(operations.get)
    get(caller: CallerContext, data: DeadLetterId): Promise<DeadLetterDetail> {
      return this.deadLetters.get(caller, data.id);
    }

    @Handles(operations.replay)
    replay(
      caller: CallerContext,
      data: DeadLetterId,
      command: WriteCommand,
    ): Promise<DeadLetterView> {
      return this.commands.once(
        command,
        () =>
          this.deadLetters.replay(caller, data.id, (manager, answer) =>
            this.commands.record(manager, command, { answer }),
          ),
        async (earlier) => earlier.answer as DeadLetterView,
      );
    }

    @Handles(operations.purge)
    purge(
      caller: CallerContext,
      data: DeadLetterId,
      command: WriteCommand,
    ): Promise<DeadLetterPurged> {
      return this.commands.once(
        command,
        async () => {
          await this.deadLetters.purge(caller, data.id, (manager) =>
            this.commands.record(manager, command, { answer: null }),
          );
          return { purged: true };
        },
        async () => ({ purged: true }),
      );
    }
  }
  return DeadLettersController;
}

/** Opaque to callers: base64url of the last row's (deadAt, id). */
export function deadLetterCursor(last: Pick<DeadLetterView, 'deadAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([last.deadAt, last.id]), 'utf8').toString('base64url');
}

/** The cursor's keyset, or undefined when it is not one `deadLetterCursor` made. */
export function decodeDeadLetterCursor(raw: string): { at: string; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      CURSOR_TIME.test(value[0]) &&
      !Number.isNaN(Date.parse(value[0])) &&
      isUuid(value[1])
    ) {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // falls through
  }
  return undefined;
}

/**
 * The range asked for: from (inclusive) and before (exclusive; `to` as a date includes its
 * day), or undefined when it ends before it begins.
 */
export function deadLetterRange(query: {
  from?: string;
  to?: string;
}): { from: Date | null; before: Date | null } | undefined {
  const from = query.from ? new Date(query.from) : null;
  let before: Date | null = null;
  if (query.to) {
    before = new Date(query.to);
    if (/^\d{4}-\d{2}-\d{2}$/.test(query.to)) before.setUTCDate(before.getUTCDate() + 1);
    else before.setTime(before.getTime() + 1);
  }
  return from && before && before <= from ? undefined : { from, before };
}

/** What the table keeps of a message taken from a DLQ or the unroutable queue. */
function recordOf(
  message: ConsumeMessage,
  source: 'dlq' | 'unroutable',
  service: string,
): DeadLetterRecord {
  const p = message.properties;
  const h = p.headers ?? {};
  const routingKey = stringHeader(h, HEADERS.originalRoutingKey) ?? message.fields.routingKey;
  const envelope = looseEnvelope(message.content);
  const uuidOf = (value: unknown): string | null => (isUuid(value) ? value.toLowerCase() : null);
  const headers: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(h)) {
    if (key === 'x-death' || key.startsWith('x-first-death') || key.startsWith('x-last-death')) {
      continue;
    }
    if (typeof value === 'number' || typeof value === 'boolean') headers[key] = value;
    else {
      const text = stringHeader(h, key);
      if (text !== undefined) headers[key] = text;
    }
  }
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  return {
    tenantId: uuidOf(envelope?.tenantId),
    consumer:
      source === 'unroutable' ? 'unroutable' : (stringHeader(h, HEADERS.consumer) ?? service),
    reason:
      source === 'unroutable'
        ? 'unroutable'
        : stringHeader(h, HEADERS.deadReason) === 'invalid-message'
          ? 'invalid-message'
          : 'handler-failed',
    eventId: uuidOf(envelope?.eventId) ?? uuidOf(p.messageId),
    eventType:
      typeof envelope?.type === 'string' ? envelope.type.slice(0, 200) : routingKey.slice(0, 200),
    routingKey,
    lastError:
      stringHeader(h, HEADERS.lastError) ??
      (source === 'unroutable' ? `no queue is bound for ${routingKey}` : 'no reason given'),
    attempts: numberHeader(h, HEADERS.attempts),
    body: message.content,
    properties: {
      messageId: text(p.messageId),
      correlationId: text(p.correlationId),
      appId: text(p.appId),
      type: text(p.type),
      contentType: text(p.contentType),
      contentEncoding: text(p.contentEncoding),
      headers,
    },
  };
}

/** A message's body as a JSON object, or null: what a dead message may be is not known. */
export function looseEnvelope(content: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(content.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
