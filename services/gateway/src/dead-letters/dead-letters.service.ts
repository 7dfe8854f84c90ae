import { Injectable } from '@nestjs/common';
import {
  DEAD_LETTER_OPERATIONS,
  DEAD_LETTER_SERVICES,
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
import { Rpc } from '../core/rpc';

/**
 * Dead letters across the system: each service keeps its own (the gateway too: unroutable events
 * and its unpublishable outbox rows), asked over RPC; a list is the newest of all of them, merged.
 */
@Injectable()
export class DeadLettersGateway {
  constructor(
    private readonly rpc: Rpc,
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
        s === 'gateway'
          ? this.ownAnswer(() => this.own.list(caller.context, filters))
          : this.rpc.call(DEAD_LETTER_OPERATIONS[s].list, caller, filters),
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
    return service === 'gateway'
      ? this.ownAnswer(() => this.own.get(caller.context, id))
      : this.rpc.call(DEAD_LETTER_OPERATIONS[service].get, caller, { id });
  }

  replay(caller: Caller, service: DeadLetterService, id: string): Promise<DeadLetterView> {
    return service === 'gateway'
      ? this.ownAnswer(() => this.own.replay(caller.context, id))
      : this.rpc.call(DEAD_LETTER_OPERATIONS[service].replay, caller, { id });
  }

  async purge(caller: Caller, service: DeadLetterService, id: string): Promise<void> {
    await (service === 'gateway'
      ? this.ownAnswer(() => this.own.purge(caller.context, id))
      : this.rpc.call(DEAD_LETTER_OPERATIONS[service].purge, caller, { id }));
  }

  /** The gateway's own answer, its problems as HTTP ones. */
  private async ownAnswer<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw error instanceof RpcProblem ? new ProblemError(error.problem) : error;
    }
  }
}
