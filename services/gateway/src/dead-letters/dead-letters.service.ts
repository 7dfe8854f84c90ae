import { Inject, Injectable } from '@nestjs/common';
import {
  DEAD_LETTER_SERVICES,
  deadLetterPatterns,
  type CallerContext,
  type DeadLetterDetail,
  type DeadLetterPage,
  type DeadLetterQueryDto,
  type DeadLetterService,
  type DeadLetterView,
} from '@kanta/contracts';
import {
  DeadLetters,
  deadLetterCursor,
  deadLetterRange,
  decodeDeadLetterCursor,
} from '@kanta/messaging';
import { ProblemError, RpcProblem } from '@kanta/platform';
import type { Caller } from '../auth/auth.decorators';
import type { RpcClients } from '../core/core.module';
import { RPC_CLIENTS } from '../core/tokens';

/**
 * Dead letters across the system: each service keeps its own (the gateway too: unroutable events
 * and its unpublishable outbox rows), asked over RPC; a list is the newest of all of them, merged.
 */
@Injectable()
export class DeadLettersGateway {
  constructor(
    @Inject(RPC_CLIENTS) private readonly clients: RpcClients,
    private readonly own: DeadLetters,
  ) {}

  async list(caller: Caller, query: DeadLetterQueryDto): Promise<DeadLetterPage> {
    // Checked once here rather than by every service asked.
    if (query.cursor !== undefined && decodeDeadLetterCursor(query.cursor) === undefined) {
      throw ProblemError.field('cursor', 'invalid_format', 'cursor is not one this API issued');
    }
    if (deadLetterRange(query) === undefined) {
      throw ProblemError.field('to', 'before_from', 'to must not be before from');
    }
    const { service, ...filters } = query;
    const services = service ? [service] : DEAD_LETTER_SERVICES;
    const pages = await Promise.all(
      services.map((s) =>
        this.ask<DeadLetterPage, DeadLetterQueryDto>(s, 'list', caller.context, filters, (c, q) =>
          this.own.list(c, q),
        ),
      ),
    );
    // Each page is its service's newest after the cursor: the newest of them all are the page.
    const limit = query.limit ?? 50;
    const merged = pages
      .flatMap((page) => page.items)
      .sort((a, b) => b.deadAt.localeCompare(a.deadAt) || b.id.localeCompare(a.id));
    const items = merged.slice(0, limit);
    const more = merged.length > limit || pages.some((page) => page.nextCursor !== null);
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? deadLetterCursor(last) : null };
  }

  get(caller: Caller, service: DeadLetterService, id: string): Promise<DeadLetterDetail> {
    return this.ask(service, 'get', caller.context, { id }, (c, d) => this.own.get(c, d.id));
  }

  replay(caller: Caller, service: DeadLetterService, id: string): Promise<DeadLetterView> {
    return this.ask(service, 'replay', caller.context, { id }, (c, d) => this.own.replay(c, d.id));
  }

  async purge(caller: Caller, service: DeadLetterService, id: string): Promise<void> {
    await this.ask(service, 'purge', caller.context, { id }, async (c, d) => {
      await this.own.purge(c, d.id);
      return { purged: true };
    });
  }

  /** The service's answer over RPC, or the gateway's own, with its problems as HTTP ones. */
  private async ask<TResult, TData = unknown>(
    service: DeadLetterService,
    command: keyof ReturnType<typeof deadLetterPatterns>,
    context: CallerContext,
    data: TData,
    ownAnswer: (context: CallerContext, data: TData) => Promise<TResult>,
  ): Promise<TResult> {
    if (service !== 'gateway') {
      return this.clients[service].send<TResult, TData>(deadLetterPatterns(service)[command], {
        context,
        data,
      });
    }
    try {
      return await ownAnswer(context, data);
    } catch (error) {
      throw error instanceof RpcProblem ? new ProblemError(error.problem) : error;
    }
  }
}
