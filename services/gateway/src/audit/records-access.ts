import {
  applyDecorators,
  Injectable,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { tap, type Observable } from 'rxjs';
import type { AccessAction } from '@kanta/contracts';
import { JsonText } from '@kanta/platform';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { HttpResult } from '../http/http-result';
import { AccessRecorder } from './access-recorder';

/** The request as sent: its route parameters (`:id` of `customers/:id/…`) and its body. */
export interface AuditedRequest {
  params: Readonly<Record<string, string | undefined>>;
  body: unknown;
}

/** Which customers an answer showed or a write concerned: from the answer, or the request. */
export type CustomersConcerned<T> = (answer: T, request: AuditedRequest) => readonly string[];

/** What a handler may answer: the body itself, with its status and headers, or relayed as text. */
type Answer<T> = T | HttpResult<T> | JsonText<T>;

interface AccessRule {
  action: AccessAction;
  concerned: CustomersConcerned<unknown>;
}

const RECORDS_ACCESS = 'kanta:records-access';

/**
 * Records a successful answer in the access audit: `action` of the customers `concerned` names
 * (the route's `:id`, the ids the answer carries, …). A failed request (4xx, 5xx) records
 * nothing. The compiler checks that `concerned` reads what the handler answers; a relayed answer
 * (JsonText) is parsed once, here.
 *
 * An interceptor costs each request it runs for an rxjs pipeline, so it sits on these routes
 * only; the customers' own card and search (the benchmarked paths) record in CustomersService.
 */
export function RecordsAccess<T>(
  action: AccessAction,
  concerned: CustomersConcerned<T>,
): <M extends (...args: never[]) => Promise<Answer<T>>>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void {
  const rule: AccessRule = { action, concerned: concerned as CustomersConcerned<unknown> };
  return applyDecorators(SetMetadata(RECORDS_ACCESS, rule), UseInterceptors(AccessInterceptor));
}

@Injectable()
export class AccessInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessRecorder,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const rule = this.reflector.get<AccessRule | undefined>(RECORDS_ACCESS, context.getHandler());
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const caller = request.caller;
    if (!rule || !caller) return next.handle();
    return next.handle().pipe(
      tap((answer) => {
        const body = answer instanceof HttpResult ? (answer as HttpResult<unknown>).body : answer;
        const shown = body instanceof JsonText ? (JSON.parse(body.text) as unknown) : body;
        this.access.record(
          caller.context,
          rule.action,
          rule.concerned(shown, request as AuditedRequest),
        );
      }),
    );
  }
}
