import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  OUTBOX_MARK_OPERATIONS,
  type OutboxMarkSource,
  type ReportCatchUpView,
  type ReportSourceBehindView,
} from '@kanta/contracts';
import { RpcClient, uuidv7 } from '@kanta/platform';
import { systemContext } from '../rebuild/read-model-rebuild';
import { OutboxMarks } from './outbox-marks';

export const CATCH_UP_OPTIONS = Symbol('CATCH_UP_OPTIONS');

export interface CatchUpOptions {
  amqpUrl: string;
  /** The command queue of each source asked for a mark; a source left out is not waited for. */
  sources: Partial<Record<OutboxMarkSource, string>>;
  /** How long a report waits for its sources at most (REPORT_CATCH_UP_MS, default 30 s). */
  timeoutMs: number;
  /**
   * How often the arrived marks are looked at while waiting: first after 10 ms, then twice as
   * long each time up to this (default 200 ms). Marks usually arrive within tens of ms.
   */
  maxPollMs?: number;
}

/**
 * Before a report is written, waits (at most `timeoutMs`) until the read model holds everything
 * its sources committed before the report started: it asks each source for an outbox mark (the
 * source's relay publishes it only after every row before it, libs/messaging) and waits until
 * the consumer has applied every mark. A source that does not answer, or whose mark has not
 * arrived when the time is up, is named in the answer with how far its events had been applied;
 * the report is written anyway (services/reporting/README.md, "Catching up").
 */
@Injectable()
export class ReportCatchUp implements BeforeApplicationShutdown {
  private readonly logger = new Logger('ReportCatchUp');
  private readonly clients: [OutboxMarkSource, RpcClient][];

  constructor(
    @Inject(CATCH_UP_OPTIONS) private readonly options: CatchUpOptions,
    private readonly dataSource: DataSource,
    private readonly marks: OutboxMarks,
  ) {
    this.clients = Object.entries(options.sources).map(([source, queue]) => [
      source as OutboxMarkSource,
      new RpcClient({ service: source, amqpUrl: options.amqpUrl, queue, timeoutMs: 5000 }),
    ]);
  }

  async catchUp(tenantId: string, reportId: string): Promise<ReportCatchUpView> {
    const started = Date.now();
    const deadline = started + this.options.timeoutMs;
    const markId = uuidv7();
    const context = systemContext(tenantId, reportId);
    const answers = await Promise.all(
      this.clients.map(async ([source, client]) => {
        try {
          const written = await client.call(
            OUTBOX_MARK_OPERATIONS[source],
            context,
            { markId },
            { timeoutMs: Math.max(100, deadline - Date.now()) },
          );
          return { source, pendingAtMark: written.pendingBefore };
        } catch (error) {
          this.logger.warn(
            `report ${reportId}: ${source} gave no outbox mark (${errorName(error)})`,
          );
          return { source, pendingAtMark: null };
        }
      }),
    );
    const marked = answers.filter((answer) => answer.pendingAtMark !== null);
    let arrived = new Set<string>();
    for (let poll = 10; ; poll = Math.min(2 * poll, this.options.maxPollMs ?? 200)) {
      arrived = await this.marks.arrived(this.dataSource.manager, markId);
      if (marked.every(({ source }) => arrived.has(source)) || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(poll, deadline - Date.now())));
    }
    await this.marks.forget(this.dataSource.manager, markId);
    const short = answers.filter(({ source }) => !arrived.has(source));
    const applied = await this.appliedUntil(
      tenantId,
      short.map(({ source }) => source),
    );
    const behind: ReportSourceBehindView[] = short.map(({ source, pendingAtMark }) => ({
      source,
      reason: pendingAtMark === null ? 'no-answer' : 'not-arrived',
      appliedUntil: applied.get(source) ?? null,
      pendingAtMark,
    }));
    return { caughtUp: behind.length === 0, waitedMs: Date.now() - started, behind };
  }

  /** The time of each source's newest event applied for the tenant (by its event types' prefix). */
  private async appliedUntil(
    tenantId: string,
    sources: OutboxMarkSource[],
  ): Promise<Map<string, string>> {
    if (sources.length === 0) return new Map();
    const rows = await this.dataSource.query<{ source: string; at: Date }[]>(
      `SELECT split_part(event_type, '.', 1) AS source, max(last_event_at) AS at
         FROM reporting.freshness
        WHERE tenant_id = $1 AND split_part(event_type, '.', 1) = ANY($2::text[])
        GROUP BY 1`,
      [tenantId, sources],
    );
    return new Map(rows.map((row) => [row.source, row.at.toISOString()]));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.clients.map(([, client]) => client.close()));
  }
}

function errorName(error: unknown): string {
  const status = (error as { problem?: { status?: number } }).problem?.status;
  return status ? `status ${status}` : (error as Error).name;
}
