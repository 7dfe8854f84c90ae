import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  ACCESS_ENTRY_MAX_CUSTOMERS,
  ACCESS_RECORDED_V2,
  encodeCustomerIds,
  type AccessAction,
  type AccessCallerV2,
  type AccessEntryV2,
  type AccessRecordedV2,
  type CallerContext,
  type EventEnvelope,
} from '@kanta/contracts';
import { DirectEventPublisher, Outbox, newEventId, type OutboxEvent } from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../core/tokens';

/** How many records wait at most while the broker and the database are away; beyond, the oldest are dropped. */
const MAX_WAITING = 50_000;

/** A record as buffered: the caller's fields are taken out once per flush. */
interface BufferedAccess {
  tenantId: string;
  caller: AccessCallerV2;
  entry: Omit<AccessEntryV2, 'caller'>;
}

/**
 * The access audit's recording: who viewed, searched into or edited which customers. A read must
 * not wait for its record, so `record` only buffers (no I/O, no await); every
 * `flushIntervalMs`, or at once when `maxBatch` records wait, the buffer becomes one compact
 * `gateway.access.recorded.v2` per tenant (each caller once, customer ids as 16 bytes), published
 * straight to the events exchange on a confirm channel; the privacy service keeps the access log.
 * An event the broker did not confirm (the broker away, a nack, no confirm within 5 s) goes into
 * the gateway's outbox instead, with the same event id, in one INSERT statement, and the relay
 * publishes it when it can; if it had arrived after all, the privacy service's inbox takes it once.
 * With AUDIT_PUBLISH=outbox every flush goes into the outbox.
 *
 * At most once between the answer and the flush: a crash of the process (not a shutdown, which
 * flushes) loses what was buffered, at most one interval's records. Once confirmed by the broker
 * (a persistent message on durable queues) or in the outbox a record is as durable as any event.
 * A flush that neither the broker nor the database took keeps the records for the next one, up to
 * MAX_WAITING.
 */
@Injectable()
export class AccessRecorder implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('AccessRecorder');
  private readonly enabled: boolean;
  private readonly intervalMs: number;
  private readonly maxBatch: number;
  private readonly direct: boolean;
  private buffer: BufferedAccess[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly publisher: DirectEventPublisher,
  ) {
    ({
      enabled: this.enabled,
      flushIntervalMs: this.intervalMs,
      maxBatch: this.maxBatch,
    } = config.accessAudit);
    this.direct = config.accessAudit.publish === 'direct';
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    if (this.direct) this.publisher.start();
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.publisher.stop();
  }

  /**
   * Records that the caller did `action` with these customers (a search's: those it answered
   * with, cut into entries of at most ACCESS_ENTRY_MAX_CUSTOMERS). Nothing for no customers.
   */
  record(context: CallerContext, action: AccessAction, customerIds: readonly string[]): void {
    if (!this.enabled || customerIds.length === 0 || !context.tenant) return;
    const before = this.buffer.length;
    const at = new Date().toISOString();
    const caller: AccessCallerV2 = {
      userId: context.userId,
      role: context.role,
      stationId: context.currentStationId,
    };
    for (let i = 0; i < customerIds.length; i += ACCESS_ENTRY_MAX_CUSTOMERS) {
      this.buffer.push({
        tenantId: context.tenant.id,
        caller,
        entry: {
          id: uuidv7(),
          at,
          action,
          // Encoded here, where the ids are at hand: 16 bytes each instead of 36 characters.
          customers: encodeCustomerIds(customerIds.slice(i, i + ACCESS_ENTRY_MAX_CUSTOMERS)),
          correlationId: context.correlationId,
        },
      });
    }
    // At once only when this record fills a batch: while the database is down the buffer stays
    // full, and the timer alone tries again (not every request that records).
    if (before < this.maxBatch && this.buffer.length >= this.maxBatch) void this.flush();
  }

  /** Publishes what is buffered (or writes it into the outbox); one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    while (this.buffer.length > 0) {
      const taken = this.buffer.splice(0, this.maxBatch);
      const envelopes = accessEvents(taken, this.outbox.producer);
      let unpublished = envelopes;
      if (this.direct) {
        const results = await this.publisher.publish(envelopes);
        unpublished = envelopes.filter((_, i) => results[i] !== null);
      }
      if (unpublished.length === 0) continue;
      const events: OutboxEvent[] = unpublished.map((envelope) => ({
        type: envelope.type,
        tenantId: envelope.tenantId,
        correlationId: null,
        payload: envelope.payload,
        // The same event: if the unconfirmed publish arrived after all, the inbox takes it once.
        eventId: envelope.eventId,
        occurredAt: envelope.occurredAt,
      }));
      try {
        const part = this.outbox.statementPart(events, 1);
        await this.dataSource.query(part.sql, part.params);
        this.outbox.committed();
      } catch (error) {
        // Only the tenants not published go back; their entries keep their ids, so a record
        // that arrives twice (sent unconfirmed, then again) is one row in the access log.
        const left = new Set(unpublished.map((envelope) => envelope.tenantId));
        this.buffer = taken.filter((access) => left.has(access.tenantId)).concat(this.buffer);
        const dropped = this.buffer.length - MAX_WAITING;
        if (dropped > 0) this.buffer.splice(0, dropped);
        this.logger.warn(
          `access records not flushed, ${this.buffer.length} wait` +
            (dropped > 0 ? `, ${dropped} oldest dropped` : '') +
            `: ${error instanceof Error ? error.message : String(error)}`,
        );
        return;
      }
    }
  }
}

/** One compact event per tenant: each distinct caller once, entries pointing at theirs. */
function accessEvents(
  taken: readonly BufferedAccess[],
  producer: string,
): EventEnvelope<AccessRecordedV2, typeof ACCESS_RECORDED_V2>[] {
  const byTenant = new Map<
    string,
    { payload: AccessRecordedV2; callers: Map<AccessCallerV2, number>; keys: Map<string, number> }
  >();
  for (const { tenantId, caller, entry } of taken) {
    let flush = byTenant.get(tenantId);
    if (!flush) {
      flush = { payload: { callers: [], entries: [] }, callers: new Map(), keys: new Map() };
      byTenant.set(tenantId, flush);
    }
    // A request's entries share one caller object: found by identity first, by value after.
    let index = flush.callers.get(caller);
    if (index === undefined) {
      const key = `${caller.userId}/${caller.role}/${caller.stationId ?? ''}`;
      index = flush.keys.get(key);
      if (index === undefined) {
        index = flush.payload.callers.push(caller) - 1;
        flush.keys.set(key, index);
      }
      flush.callers.set(caller, index);
    }
    flush.payload.entries.push({
      id: entry.id,
      at: entry.at,
      action: entry.action,
      caller: index,
      customers: entry.customers,
      correlationId: entry.correlationId,
    });
  }
  const occurredAt = new Date().toISOString();
  return [...byTenant].map(([tenantId, { payload }]) => ({
    eventId: newEventId(),
    type: ACCESS_RECORDED_V2,
    occurredAt,
    tenantId,
    producer,
    correlationId: null,
    payload,
  }));
}
