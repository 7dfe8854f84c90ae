import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

const ACCEPTABLE = /^[\w.:-]{1,200}$/;

/**
 * Takes the caller's X-Request-Id when it is sane (or makes one), writes it back into the
 * request headers so the logger and the RPC context read one value, and echoes it.
 */
export function assignRequestId(request: FastifyRequest, reply: FastifyReply): void {
  const offered = request.headers[REQUEST_ID_HEADER];
  const id = typeof offered === 'string' && ACCEPTABLE.test(offered) ? offered : randomUUID();
  request.headers[REQUEST_ID_HEADER] = id;
  reply.header('X-Request-Id', id);
}

export function requestIdOf(req: { headers: IncomingHttpHeaders }): string {
  const id = req.headers[REQUEST_ID_HEADER];
  return typeof id === 'string' ? id : randomUUID();
}
