import { Inject, Injectable } from '@nestjs/common';
import type { RpcClient } from '@kanta/platform';
import type { Caller } from '../auth/auth.decorators';
import type { RpcClients } from '../core/core.module';
import { RPC_CLIENTS } from '../core/tokens';

/** The vehicles service's RPC client, sending each request with the caller's context. */
@Injectable()
export class VehiclesGateway {
  private readonly rpc: RpcClient;

  constructor(@Inject(RPC_CLIENTS) clients: RpcClients) {
    this.rpc = clients.vehicles;
  }

  send<TResult, TData>(pattern: string, caller: Caller, data: TData): Promise<TResult> {
    return this.rpc.send<TResult, TData>(pattern, { context: caller.context, data });
  }
}
