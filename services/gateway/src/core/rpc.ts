import { Inject, Injectable } from '@nestjs/common';
import type { CallerContext, RpcOperation, RpcService } from '@kanta/contracts';
import type { JsonText, RpcCallOptions, RpcClient } from '@kanta/platform';
import { checkIdempotencyKey } from '../http/idempotency-key';
import { RPC_CLIENTS } from './tokens';

export type RpcClients = Record<RpcService, RpcClient>;

/**
 * The one way the gateway calls a service: an operation of the service's contract
 * (libs/contracts: CUSTOMERS, CONSENTS, VEHICLES), the caller's context and the operation's data,
 * checked by the compiler against each other and the answer. A write may carry the client's
 * Idempotency-Key, checked here once for every operation that takes one.
 */
@Injectable()
export class Rpc {
  constructor(@Inject(RPC_CLIENTS) private readonly clients: RpcClients) {}

  call<TData, TResult>(
    operation: RpcOperation<TData, TResult>,
    context: CallerContext,
    data: NoInfer<TData>,
    options: RpcCallOptions = {},
  ): Promise<TResult> {
    checkIdempotencyKey(options.idempotencyKey);
    return this.clients[operation.service].call(operation, context, data, options);
  }

  /** A call whose answer is passed on unchanged, as the service's JSON text. */
  relay<TData, TResult>(
    operation: RpcOperation<TData, TResult>,
    context: CallerContext,
    data: NoInfer<TData>,
  ): Promise<JsonText<TResult>> {
    return this.clients[operation.service].relay(operation, context, data);
  }
}
