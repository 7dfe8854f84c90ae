import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE = /^[\w.:-]{1,200}$/;

/**
 * Takes the caller's X-Request-Id when it is sane (or makes one), writes it back into the
 * request headers so the logger and the RPC context read one value, and echoes it.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const offered = req.headers[REQUEST_ID_HEADER];
  const id = typeof offered === 'string' && ACCEPTABLE.test(offered) ? offered : randomUUID();
  req.headers[REQUEST_ID_HEADER] = id;
  res.setHeader('X-Request-Id', id);
  next();
}

export function requestIdOf(req: IncomingMessage): string {
  const id = req.headers[REQUEST_ID_HEADER];
  return typeof id === 'string' ? id : randomUUID();
}
