import { Controller, Inject, type Type } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  OUTBOX_MARK_OPERATIONS,
  OUTBOX_MARK_V1,
  type CallerContext,
  type OutboxMarkCommand,
  type OutboxMarkSource,
  type OutboxMarkWritten,
} from '@kanta/contracts';
import { Handles, RpcProblem, type WriteCommand } from '@kanta/platform';
import { CommandLog } from './command-log';
import { MESSAGING_OPTIONS, type ResolvedMessagingOptions } from './messaging.module';
import { Outbox } from './outbox';

/**
 * The RPC handler of `<service>.outbox.mark` (libs/contracts, OUTBOX_MARK_OPERATIONS): writes an
 * outbox mark into the service's own outbox, once per command id, and answers how many rows
 * before it were still unpublished. The relay holds the mark back until every row before it is
 * published (OutboxRelay), so its arrival tells the asker it has been sent everything committed
 * before the call. Only an admin or a superadmin (a service's system user) may ask.
 */
export function outboxMarkController(service: OutboxMarkSource): Type {
  const operation = OUTBOX_MARK_OPERATIONS[service];

  @Controller()
  class OutboxMarkController {
    constructor(
      private readonly dataSource: DataSource,
      private readonly outbox: Outbox,
      private readonly commands: CommandLog,
      @Inject(MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    ) {}

    @Handles(operation)
    mark(
      caller: CallerContext,
      data: OutboxMarkCommand,
      command: WriteCommand,
    ): Promise<OutboxMarkWritten> {
      if (caller.role !== 'admin' && caller.role !== 'superadmin') {
        throw RpcProblem.forbidden('Only an administrator may mark the outbox.');
      }
      return this.commands.once(
        command,
        () =>
          this.dataSource.transaction(async (manager) => {
            const answer = await writeOutboxMark(
              manager,
              this.outbox,
              this.options.schema,
              caller,
              data.markId,
            );
            await this.commands.record(manager, command, { answer });
            return answer;
          }),
        async (earlier) => earlier.answer as OutboxMarkWritten,
      );
    }
  }
  return OutboxMarkController;
}

/** Writes a mark in the caller's transaction; answers it with the rows still unpublished before it. */
export async function writeOutboxMark(
  manager: EntityManager,
  outbox: Outbox,
  schema: string,
  caller: Pick<CallerContext, 'tenant' | 'correlationId'>,
  markId: string,
): Promise<OutboxMarkWritten> {
  const [envelope] = await outbox.enqueue(manager, [
    {
      type: OUTBOX_MARK_V1,
      tenantId: caller.tenant?.id ?? null,
      correlationId: caller.correlationId,
      payload: { markId },
    },
  ]);
  const [{ pending }] = await manager.query<{ pending: number }[]>(
    `SELECT count(*)::int AS pending FROM "${schema}".outbox
      WHERE published_at IS NULL
        AND id < (SELECT id FROM "${schema}".outbox WHERE event_id = $1)`,
    [envelope.eventId],
  );
  return { markId, pendingBefore: pending };
}
