import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';

/**
 * A body together with the status and headers it must be answered with (201 + Location, ETag,
 * Idempotent-Replayed), so services decide them and controllers stay one line.
 */
export class HttpResult<T> {
  constructor(
    readonly body: T,
    readonly status = 200,
    readonly headers: Record<string, string> = {},
  ) {}
}

@Injectable()
export class HttpResultInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((value: unknown) => {
        if (!(value instanceof HttpResult)) return value;
        const res = ctx.switchToHttp().getResponse<Response>();
        res.status(value.status);
        for (const [name, header] of Object.entries(value.headers)) res.setHeader(name, header);
        return value.body as unknown;
      }),
    );
  }
}
