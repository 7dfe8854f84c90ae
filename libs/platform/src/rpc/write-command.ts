import {
  problemType,
  type CallerContext,
  type RpcCommandId,
  type RpcOperation,
} from '@kanta/contracts';
import { fingerprintOf } from '../idempotency';
import { RpcProblem } from '../rpc-problem';

/** The tenant key of a command sent outside any tenant (a superadmin's). */
const NO_TENANT = '00000000-0000-0000-0000-000000000000';

/** The SQLSTATE the commit-time deadline check raises (`commandLogTableUp`). */
export const DEADLINE_PASSED_SQLSTATE = 'KD001';

/**
 * A write operation as its handler receives it: the id it is recorded under (the client's
 * Idempotency-Key, or one the gateway made), the deadline after which nobody waits for it, and
 * what identifies its request (pattern and a fingerprint of its data), so that the same id sent
 * with another request is told apart from a retry.
 */
export class WriteCommand {
  /** Set when the command's row has been written in its transaction (or statement). */
  recorded = false;

  constructor(
    readonly tenantId: string | null,
    readonly id: string,
    readonly fromClient: boolean,
    readonly deadline: Date | null,
    readonly pattern: string,
    readonly fingerprint: string,
  ) {}

  get tenantKey(): string {
    return this.tenantId ?? NO_TENANT;
  }

  /** True once nobody waits for the answer: the work must neither start nor commit. */
  get expired(): boolean {
    return this.deadline !== null && Date.now() > this.deadline.getTime();
  }

  /**
   * The command of one call of `operation`: its id as sent, and a fingerprint of its data with
   * who sent it and from where (the same body from another user or station is another request,
   * not a retry).
   */
  static of<TData>(
    operation: RpcOperation<TData, unknown>,
    caller: CallerContext,
    data: NoInfer<TData>,
    sent: RpcCommandId,
    deadline: number | null,
  ): WriteCommand {
    return new WriteCommand(
      caller.tenant?.id ?? null,
      sent.id,
      sent.fromClient,
      deadline === null ? null : new Date(deadline),
      operation.pattern,
      fingerprintOf({ data, userId: caller.userId, stationId: caller.currentStationId }),
    );
  }
}

/** 504: the command's deadline passed before it could commit; nothing was written. */
export function deadlinePassed(): RpcProblem {
  return new RpcProblem({
    type: problemType('deadline-passed'),
    title: 'Too late',
    status: 504,
    detail: 'The request was not carried out in time and nothing was written; send it again.',
  });
}

/** True for the error the commit-time deadline check raises. */
export function isDeadlinePassed(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 3; depth++) {
    if ((e as { code?: unknown }).code === DEADLINE_PASSED_SQLSTATE) return true;
    e = (e as { driverError?: unknown }).driverError;
  }
  return false;
}
