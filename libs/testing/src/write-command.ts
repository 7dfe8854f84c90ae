import { randomUUID } from 'node:crypto';
import type { CallerContext, RpcOperation } from '@kanta/contracts';
import { WriteCommand } from '@kanta/platform';

/**
 * The command of a write, as the RPC edge makes it for a handler, for a test that calls a use
 * case directly: a fresh id (a gateway-made one), or `key` as the client's Idempotency-Key; no
 * deadline unless one is given.
 */
export function commandFor<TData>(
  operation: RpcOperation<TData, unknown>,
  caller: CallerContext,
  data: TData,
  options: { key?: string; deadline?: number } = {},
): WriteCommand {
  return WriteCommand.of(
    operation,
    caller,
    data,
    options.key === undefined
      ? { id: randomUUID(), fromClient: false }
      : { id: options.key, fromClient: true },
    options.deadline ?? null,
  );
}
