import { Inject, Injectable } from '@nestjs/common';
import type { CallerContext, RpcOperation, RpcService } from '@kanta/contracts';
import type { JsonText, RpcClient } from '@kanta/platform';
import { checkIdempotencyKey } from '../http/idempotency-key';
import { RPC_CLIENTS } from './tokens';

export type RpcClients = Record<RpcService, RpcClient>;

/** Who a call is for: the caller's context, and the Idempotency-Key their request came with. */
export interface RpcCaller {
  context: CallerContext;
  idempotencyKey?: string;
}

/**
 * The one way the gateway calls a service: an operation of the service's contract
 * (libs/contracts: CUSTOMERS, CONSENTS, VEHICLES), the caller and the operation's data, checked by
 * the compiler against each other and the answer. A write runs under the caller's
 * Idempotency-Key when their request had one (checked here, once for every write), else under a
 * key RpcClient makes.
 */
@Injectable()
export class Rpc {
  constructor(@Inject(RPC_CLIENTS) private readonly clients: RpcClients) {}

  call<TData, TResult>(
    operation: RpcOperation<TData, TResult>,
    caller: RpcCaller,
    data: NoInfer<TData>,
  ): Promise<TResult> {
    const idempotencyKey = operation.kind === 'write' ? caller.idempotencyKey : undefined;
    checkIdempotencyKey(idempotencyKey);
    return this.clients[operation.service].call(operation, caller.context, data, {
      idempotencyKey,
    });
  }

  /** A call whose answer is passed on unchanged, as the service's JSON text. */
  relay<TData, TResult>(
    operation: RpcOperation<TData, TResult>,
    caller: RpcCaller,
    data: NoInfer<TData>,
  ): Promise<JsonText<TResult>> {
    return this.clients[operation.service].relay(operation, caller.context, data);
  }
}
