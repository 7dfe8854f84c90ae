import { Inject, Injectable } from '@nestjs/common';
import type { JsonText, RpcClient } from '@kanta/platform';
import { HttpResult } from '../http/http-result';
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

  /** A call whose answer is passed on unchanged, as the service's JSON text. */
  relay<TResult, TData>(pattern: string, caller: Caller, data: TData): Promise<JsonText<TResult>> {
    return this.rpc.relay<TResult, TData>(pattern, { context: caller.context, data });
  }

  /**
   * A call answering a versioned record, with its version as ETag; `created` makes it a 201
   * with the record's Location under `created`.
   */
  async sendVersioned<TResult extends { id: string; version: number }, TData>(
    pattern: string,
    caller: Caller,
    data: TData,
    created?: string,
  ): Promise<HttpResult<TResult>> {
    const record = await this.send<TResult, TData>(pattern, caller, data);
    const etag = { ETag: `"${record.version}"` };
    return created
      ? new HttpResult(record, 201, { Location: `${created}/${record.id}`, ...etag })
      : new HttpResult(record, 200, etag);
  }
}
