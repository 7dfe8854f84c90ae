import { randomUUID } from 'node:crypto';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { lastValueFrom, of, throwError } from 'rxjs';
import type { CallerContext } from '@kanta/contracts';
import { JsonText } from '@kanta/platform';
import { HttpResult } from '../http/http-result';
import type { AccessRecorder } from './access-recorder';
import { customersOfItems, theRouteCustomer } from './customer-ids';
import { AccessInterceptor, RecordsAccess, type CustomersConcerned } from './records-access';

/** A controller whose handlers answer as the gateway's do: a body, an HttpResult, a relay. */
function handlerWith<T>(concerned: CustomersConcerned<T>): () => Promise<T> {
  class Handlers {
    @RecordsAccess('search', concerned)
    answer(): Promise<T> {
      throw new Error('not called');
    }
  }
  return Handlers.prototype.answer;
}

describe('RecordsAccess', () => {
  const context = { tenant: { id: randomUUID() } } as CallerContext;
  const customerId = randomUUID();
  let recorded: unknown[][];
  let interceptor: AccessInterceptor;

  beforeEach(() => {
    recorded = [];
    const recorder = { record: (...args: unknown[]) => void recorded.push(args) };
    interceptor = new AccessInterceptor(new Reflector(), recorder as unknown as AccessRecorder);
  });

  const run = (handler: () => unknown, answer: CallHandler, params = {}) => {
    const request = { caller: { context }, params, body: undefined };
    const execution = {
      getHandler: () => handler,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
    return lastValueFrom(interceptor.intercept(execution, answer));
  };

  it('records the customers of the answer, whether a body, an HttpResult or relayed text', async () => {
    const handler = handlerWith(customersOfItems);
    const page = { items: [{ customerId }], nextCursor: null };
    for (const answer of [page, new HttpResult(page), new JsonText(JSON.stringify(page))]) {
      await expect(run(handler, { handle: () => of(answer) })).resolves.toBe(answer);
    }
    expect(recorded).toEqual([
      [context, 'search', [customerId]],
      [context, 'search', [customerId]],
      [context, 'search', [customerId]],
    ]);
  });

  it('records the route customer', async () => {
    await run(handlerWith(theRouteCustomer), { handle: () => of({}) }, { id: customerId });
    expect(recorded).toEqual([[context, 'search', [customerId]]]);
  });

  it('records nothing for a failed request', async () => {
    const failure = new Error('404');
    await expect(
      run(
        handlerWith(theRouteCustomer),
        { handle: () => throwError(() => failure) },
        {
          id: customerId,
        },
      ),
    ).rejects.toBe(failure);
    expect(recorded).toEqual([]);
  });
});
