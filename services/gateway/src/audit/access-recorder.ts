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
  ACCESS_RECORDED_V1,
  type AccessAction,
  type AccessEntryV1,
  type CallerContext,
} from '@kanta/contracts';
import { Outbox, type OutboxEvent } from '@kanta/messaging';
import { uuidv7 } from '@kanta/platform';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../core/tokens';

/** How many records wait at most while the database is away; beyond, the oldest are dropped. */
const MAX_WAITING = 50_000;

/**
 * The access audit's recording: who viewed, searched into or edited which customers. A read must
 * not wait for its record, so `record` only buffers (no I/O, no await); every
 * `flushIntervalMs`, or at once when `maxBatch` records wait, the buffer goes into the gateway's
 * outbox as one `gateway.access.recorded.v1` per tenant, in one INSERT statement, and the relay
 * carries it to the privacy service, which keeps the access log.
 *
 * At most once between the answer and the flush: a crash of the process (not a shutdown, which
 * flushes) loses what was buffered, at most one interval's records. Once in the outbox a record
 * is as durable as any event. A failed flush (the database away) keeps the records for the next
 * one, up to MAX_WAITING.
 */
@Injectable()
export class AccessRecorder implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('AccessRecorder');
  private readonly enabled: boolean;
  private readonly intervalMs: number;
  private readonly maxBatch: number;
  private buffer: { tenantId: string; entry: AccessEntryV1 }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {
    ({
      enabled: this.enabled,
      flushIntervalMs: this.intervalMs,
      maxBatch: this.maxBatch,
    } = config.accessAudit);
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /**
   * Records that the caller did `action` with these customers (a search's: those it answered
   * with, cut into entries of at most ACCESS_ENTRY_MAX_CUSTOMERS). Nothing for no customers.
   */
  record(context: CallerContext, action: AccessAction, customerIds: readonly string[]): void {
    if (!this.enabled || customerIds.length === 0 || !context.tenant) return;
    const before = this.buffer.length;
    const at = new Date().toISOString();
    for (let i = 0; i < customerIds.length; i += ACCESS_ENTRY_MAX_CUSTOMERS) {
      this.buffer.push({
        tenantId: context.tenant.id,
        entry: {
          id: uuidv7(),
          at,
          action,
          userId: context.userId,
          role: context.role,
          stationId: context.currentStationId,
          customerIds: customerIds.slice(i, i + ACCESS_ENTRY_MAX_CUSTOMERS),
          correlationId: context.correlationId,
        },
      });
    }
    // At once only when this record fills a batch: while the database is down the buffer stays
    // full, and the timer alone tries again (not every request that records).
    if (before < this.maxBatch && this.buffer.length >= this.maxBatch) void this.flush();
  }

  /** Writes what is buffered into the outbox; one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    while (this.buffer.length > 0) {
      const taken = this.buffer.splice(0, this.maxBatch);
      const byTenant = new Map<string, AccessEntryV1[]>();
      for (const { tenantId, entry } of taken) {
        const entries = byTenant.get(tenantId);
        if (entries) entries.push(entry);
        else byTenant.set(tenantId, [entry]);
      }
      const events: OutboxEvent[] = [...byTenant].map(([tenantId, entries]) => ({
        type: ACCESS_RECORDED_V1,
        tenantId,
        correlationId: null,
        payload: { entries },
      }));
      try {
        const part = this.outbox.statementPart(events, 1);
        await this.dataSource.query(part.sql, part.params);
        this.outbox.committed();
      } catch (error) {
        this.buffer = taken.concat(this.buffer);
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
